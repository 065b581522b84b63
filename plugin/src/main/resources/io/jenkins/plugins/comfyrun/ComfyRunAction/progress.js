// Live progress for in-flight comfyRun prompts. ONE poll per page, however many comfyRun blocks it shows: every 2 s
// it reads the build's api/json (same origin, same permissions as the page) once, updates the status and live text of
// each block, and when a prompt has finished replaces that block with its freshly rendered fragment (duration,
// timeline, errors, archived thumbnails) - no page reload. The poll stops when no block is in progress.
(function () {
  var POLL_MS = 2000;
  var inFlight = ["SUBMITTING", "QUEUED", "RUNNING"];
  var timer = null;

  function text(el, value) {
    if (el) {
      el.textContent = value;
    }
  }

  function liveBlocks() {
    return Array.prototype.slice.call(document.querySelectorAll(".comfyrun-summary[data-in-progress='true']"));
  }

  function refreshFinished(block) {
    block.setAttribute("data-in-progress", "refreshing");
    fetch(block.getAttribute("data-fragment"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) {
          block.setAttribute("data-in-progress", "true"); // try again on the next tick
          return;
        }
        var holder = document.createElement("div");
        holder.innerHTML = html; // rendered and escaped by Jelly on the server
        var fresh = holder.querySelector(".comfyrun-summary");
        if (fresh) {
          block.replaceWith(fresh);
        }
      })
      .catch(function () { block.setAttribute("data-in-progress", "true"); });
  }

  function apply(blocks, json) {
    var byId = {};
    (json.actions || []).forEach(function (a) {
      if (a && a.promptId) {
        byId[a.promptId] = a;
      }
    });
    blocks.forEach(function (block) {
      var a = byId[block.getAttribute("data-prompt-id")];
      if (!a) {
        return;
      }
      text(block.querySelector(".comfyrun-status"), a.status);
      var live = "";
      if (a.queuePosition !== undefined && a.queuePosition !== null) {
        live = " · queue position " + a.queuePosition;
      } else if (a.currentNode) {
        live = " · node " + a.currentNode + " " + a.percent + "%";
      }
      text(block.querySelector(".comfyrun-live"), live);
      if (inFlight.indexOf(a.status) < 0 || a.buildOver) {
        refreshFinished(block);
      }
    });
  }

  function tick() {
    var blocks = liveBlocks();
    if (blocks.length === 0) {
      clearInterval(timer);
      timer = null;
      return;
    }
    // all blocks of one page belong to the same build, so one api/json answers them all
    var byApi = {};
    blocks.forEach(function (b) {
      var url = b.getAttribute("data-api");
      (byApi[url] = byApi[url] || []).push(b);
    });
    Object.keys(byApi).forEach(function (url) {
      fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (json) {
          if (json) {
            apply(byApi[url], json);
          }
        })
        .catch(function () { /* transient: try again on the next tick */ });
    });
  }

  function init() {
    if (timer === null && liveBlocks().length > 0) {
      timer = setInterval(tick, POLL_MS);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
