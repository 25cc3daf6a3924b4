// The issue change page: while the issue is sending, ask the progress endpoint every few
// seconds and show the new counts (and status), until the send is over.
(function () {
  "use strict";
  var EVERY_MS = 3000;
  var STATES = ["queued", "sent", "failed", "skipped"];

  function start(element) {
    var url = element.getAttribute("data-progress-url");
    var statusField = document.querySelector(".field-status .readonly");

    function show(data) {
      element.textContent = STATES.map(function (state) { return data[state] + " " + state; }).join(", ") + " of " + data.total;
      element.setAttribute("data-status", data.status);
      if (statusField && data.status_display) {
        statusField.textContent = data.status_display;
      }
    }

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("progress: HTTP " + response.status); }
          return response.json();
        })
        .then(function (data) {
          show(data);
          if (data.status === "sending") { window.setTimeout(poll, EVERY_MS); }
        })
        .catch(function () { window.setTimeout(poll, EVERY_MS * 5); });
    }

    if (element.getAttribute("data-status") === "sending") {
      window.setTimeout(poll, EVERY_MS);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".send-progress[data-progress-url]").forEach(start);
  });
})();
