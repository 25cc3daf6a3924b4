// Progressive enhancements only: every page works without this file.
(function () {
  "use strict";

  // Mark the menu entry of the section being read, for sighted readers and screen readers alike.
  function markCurrentSection() {
    var path = window.location.pathname;
    var links = document.querySelectorAll(".site-nav a.nav-link, .site-nav a.dropdown-item");
    links.forEach(function (link) {
      var target = link.getAttribute("href");
      if (target && target !== "/" && path.indexOf(target) === 0) {
        link.setAttribute("aria-current", "page");
        var dropdown = link.closest(".dropdown");
        if (dropdown) {
          var toggle = dropdown.querySelector(".dropdown-toggle");
          if (toggle) toggle.setAttribute("aria-current", "page");
        }
      }
    });
  }

  // Following the skip link or a #comments counter moves keyboard focus, not just the scroll.
  function focusOnFragmentTarget(event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) return;
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) return;
    if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.focus({ preventScroll: true });
  }

  function start() {
    markCurrentSection();
    document.addEventListener("click", focusOnFragmentTarget);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
