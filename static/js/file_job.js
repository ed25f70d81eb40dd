/* A background job's page (templates/rattinsats/file_job.html): asks for
   the job's status every little while, moves the progress bar, says a new
   stage in the live region, and shows the result by loading the page again
   once the job has ended. Without JavaScript the page reloads itself (a
   meta refresh inside <noscript>). */
(function () {
  "use strict";

  var box = document.querySelector("[data-file-job]");
  if (!box || box.getAttribute("data-finished") === "1") {
    return;
  }
  var url = box.getAttribute("data-status-url");
  var interval = parseInt(box.getAttribute("data-poll-ms"), 10) || 1500;
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-file-job-text]");
  var failures = 0;

  function show(state) {
    if (state.percent === null || state.percent === undefined) {
      bar.removeAttribute("value");
      bar.textContent = "";
    } else {
      bar.value = state.percent;
      bar.textContent = state.percent + " %";
    }
    // Only a new text is announced: the live region is not touched for
    // every row counted.
    if (text.textContent !== state.text) {
      text.textContent = state.text;
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (state) {
        failures = 0;
        show(state);
        if (state.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, interval);
        }
      })
      .catch(function () {
        // Signed out, or the server is away: try a few times, then leave
        // the reload link to the user.
        failures += 1;
        if (failures < 5) {
          window.setTimeout(poll, interval * 2);
        }
      });
  }

  window.setTimeout(poll, interval);
})();
