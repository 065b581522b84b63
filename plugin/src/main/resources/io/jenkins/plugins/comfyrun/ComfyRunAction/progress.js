// Live progress for in-flight comfyRun prompts: polls the build's api/json (same origin, same permissions as the
// page) every 2 s and updates the status text, without reloading the page. Stops when the prompt is finished.
(function () {
  function text(el, value) {
    if (el) {
      el.textContent = value;
    }
  }

  function track(block) {
    var promptId = block.getAttribute("data-prompt-id");
    var url = block.getAttribute("data-api");
    var timer = setInterval(function () {
      fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (json) {
          if (!json || !json.actions) {
            return;
          }
          json.actions.forEach(function (a) {
            if (!a || a.promptId !== promptId) {
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
            if (["SUBMITTING", "QUEUED", "RUNNING"].indexOf(a.status) < 0) {
              clearInterval(timer);
            }
          });
        })
        .catch(function () { /* transient: try again on the next tick */ });
    }, 2000);
  }

  function init() {
    document.querySelectorAll(".comfyrun-summary[data-in-progress='true']").forEach(function (block) {
      if (!block.getAttribute("data-tracked")) {
        block.setAttribute("data-tracked", "true");
        track(block);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
