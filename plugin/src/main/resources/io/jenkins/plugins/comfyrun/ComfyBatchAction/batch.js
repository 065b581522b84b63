// comfyBatch page: renders the item table and the gallery from the build's api/json and polls it while the batch
// runs. ONE request per tick; polling stops for good once the batch is done or the build is over (an aborted build
// leaves items that will never change: they must not be polled forever). Every value is set as text or as an
// attribute, never as HTML.
(function () {
  var FINAL = ["success", "failed", "aborted", "interrupted", "timed out", "rejected", "lost", "unreachable", "skipped"];

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) {
      e.className = cls;
    }
    if (text !== undefined && text !== null) {
      e.textContent = String(text);
    }
    return e;
  }

  function duration(ms) {
    if (ms === undefined || ms === null || ms < 0) {
      return "";
    }
    if (ms < 1000) {
      return ms + " ms";
    }
    var s = ms / 1000;
    return s < 60 ? s.toFixed(1) + " s" : Math.floor(s / 60) + " min " + ("0" + Math.round(s % 60)).slice(-2) + " s";
  }

  function render(root, action, building) {
    var base = root.getAttribute("data-build") || "";
    var items = action.items || [];
    var tbody = root.querySelector(".comfyrun-batch-table tbody");
    var gallery = root.querySelector(".comfyrun-batch-gallery");
    var counts = {};
    tbody.textContent = "";
    gallery.textContent = "";
    items.forEach(function (it) {
      counts[it.status] = (counts[it.status] || 0) + 1;
      var tr = el("tr", "comfyrun-item comfyrun-status-" + String(it.status).replace(/[^a-z]/g, "-"));
      tr.setAttribute("data-index", it.index);
      tr.appendChild(el("td", null, it.index));
      tr.appendChild(el("td", "comfyrun-item-name", it.name));
      var st = el("td", "comfyrun-item-status", it.status);
      if (it.message) {
        st.setAttribute("title", it.message);
      }
      tr.appendChild(st);
      tr.appendChild(el("td", "comfyrun-item-server", it.server || ""));
      tr.appendChild(el("td", "comfyrun-item-duration", duration(it.durationMillis)));
      var outs = el("td", "comfyrun-item-thumbs");
      (it.thumbnails || []).forEach(function (href) {
        var a = el("a");
        a.setAttribute("href", base + href);
        var img = el("img", "comfyrun-thumb");
        img.setAttribute("src", base + href);
        img.setAttribute("alt", it.name);
        img.setAttribute("height", "48");
        a.appendChild(img);
        outs.appendChild(a);
        var g = el("img", "comfyrun-gallery-image");
        g.setAttribute("src", base + href);
        g.setAttribute("alt", it.name);
        g.setAttribute("title", it.index + " " + it.name);
        g.setAttribute("height", "128");
        gallery.appendChild(g);
      });
      tr.appendChild(outs);
      tbody.appendChild(tr);
    });
    var done = items.filter(function (it) { return FINAL.indexOf(it.status) >= 0; }).length;
    var parts = Object.keys(counts).sort().map(function (k) { return counts[k] + " " + k; });
    root.querySelector(".comfyrun-batch-summary").textContent = done + " of " + items.length + " items done"
      + (parts.length ? " (" + parts.join(", ") + ")" : "") + (building ? "" : " · build finished");
  }

  function follow(root) {
    var pollMs = parseInt(root.getAttribute("data-poll-ms") || "2000", 10);
    var number = parseInt(root.getAttribute("data-number") || "1", 10);
    var polls = 0;

    function stop(reason) {
      root.setAttribute("data-polling", "stopped");
      root.setAttribute("data-stopped-because", reason);
    }

    function tick() {
      polls++;
      root.setAttribute("data-polls", String(polls));
      fetch(root.getAttribute("data-api"), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (json) {
          if (!json) {
            setTimeout(tick, pollMs);
            return;
          }
          var action = (json.actions || []).filter(function (a) { return a && a.number === number && a.items; })[0];
          if (action) {
            render(root, action, json.building !== false);
          }
          if (json.building === false) {
            stop("build over");
          } else if (action && action.done) {
            stop("batch done");
          } else {
            setTimeout(tick, pollMs);
          }
        })
        .catch(function () { setTimeout(tick, pollMs); });
    }

    root.setAttribute("data-polling", "active");
    tick();
  }

  function init() {
    Array.prototype.slice.call(document.querySelectorAll(".comfyrun-batch")).forEach(follow);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
