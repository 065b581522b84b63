// Live progress for in-flight comfyRun prompts. ONE poll per page, however many comfyRun blocks it shows: every 2 s
// it reads the build's api/json (same origin, same permissions as the page) once, updates the status and live text of
// each block, and when a prompt has finished replaces that block with its freshly rendered fragment (duration,
// timeline, errors, archived thumbnails) - no page reload. The poll stops when no block is in progress, and for good
// once the build is over: a prompt whose build was aborted (or whose controller restarted) may still say RUNNING in its
// saved summary, and polling it would never end.
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

  /** The build's api/json, asking for "building" too (the blocks' URLs name only the actions' fields). */
  function withBuilding(url) {
    return url.indexOf("tree=") >= 0 && url.indexOf("tree=building") < 0 ? url.replace("tree=", "tree=building,") : url;
  }

  function apply(blocks, json) {
    if (json.building === false) {
      // the build is over: nothing on this page changes any more; show the last known state and stop
      blocks.forEach(function (block) {
        var a = null;
        (json.actions || []).forEach(function (x) {
          if (x && x.promptId === block.getAttribute("data-prompt-id")) {
            a = x;
          }
        });
        if (a && inFlight.indexOf(a.status) < 0) {
          refreshFinished(block);
          block.setAttribute("data-in-progress", "false");
        } else {
          text(block.querySelector(".comfyrun-status"), (a ? a.status : "?") + " (build over: no longer followed)");
          text(block.querySelector(".comfyrun-live"), "");
          block.setAttribute("data-in-progress", "false");
        }
      });
      return;
    }
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
      var url = withBuilding(b.getAttribute("data-api"));
      (byApi[url] = byApi[url] || []).push(b);
    });
    Object.keys(byApi).forEach(function (url) {
      fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (json) {
          if (json) {
            apply(byApi[url], json);
            if (liveBlocks().length === 0 && timer !== null) {
              clearInterval(timer);
              timer = null;
            }
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
