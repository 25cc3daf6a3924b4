// Embedded videos and maps: the page shows a placeholder that loads nothing from the provider;
// the reader's click swaps in the player's <iframe>. Without this script the link to the
// original still works.
(function () {
  "use strict";

  function load(figure) {
    var src = figure.getAttribute("data-embed-src") || "";
    if (src.indexOf("https://") !== 0) { return; }
    var frame = document.createElement("iframe");
    frame.className = "embed-frame";
    frame.title = figure.getAttribute("data-embed-title") || "Embedded content";
    frame.setAttribute("loading", "lazy");
    frame.setAttribute("allow", figure.getAttribute("data-embed-allow") || "");
    frame.setAttribute("sandbox", figure.getAttribute("data-embed-sandbox") || "");
    frame.setAttribute("allowfullscreen", "");
    frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
    frame.src = src;
    var placeholder = figure.querySelector(".embed-placeholder");
    figure.classList.add("embed-loaded");
    placeholder.replaceWith(frame);
    frame.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("figure.embed[data-embed-src]").forEach(function (figure) {
      var button = figure.querySelector(".embed-load");
      if (!button) { return; }
      button.hidden = false;
      button.addEventListener("click", function () { load(figure); });
    });
  });
})();
