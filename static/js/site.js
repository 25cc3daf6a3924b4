// Progressive enhancements only: every page works without this file.
(function () {
  "use strict";

  // Mark the menu entry of the section being read, for sighted readers and screen readers alike.
  function markCurrentSection() {
    var path = window.location.pathname;
    var links = document.querySelectorAll(".site-nav a.nav-link, .site-nav a.menu-link");
    links.forEach(function (link) {
      var target = link.getAttribute("href");
      if (target && target !== "/" && path.indexOf(target) === 0) {
        link.setAttribute("aria-current", "page");
        var disclosure = link.closest("details");
        var summary = disclosure && disclosure.querySelector("summary");
        if (summary) summary.classList.add("is-current");
      }
    });
  }

  // The menu's disclosures (<details>) open and close by themselves, keyboard included; this
  // only keeps one open at a time and closes it on Escape or a click outside it.
  function manageMenus() {
    var menus = Array.prototype.slice.call(document.querySelectorAll(".site-nav details.menu-disclosure"));
    if (!menus.length) return;
    menus.forEach(function (menu) {
      menu.addEventListener("toggle", function () {
        if (!menu.open) return;
        menus.forEach(function (other) { if (other !== menu) other.open = false; });
      });
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      menus.forEach(function (menu) {
        if (!menu.open) return;
        menu.open = false;
        if (menu.contains(document.activeElement)) menu.querySelector("summary").focus();
      });
    });
    document.addEventListener("click", function (event) {
      menus.forEach(function (menu) { if (menu.open && !menu.contains(event.target)) menu.open = false; });
    });
  }

  // The phone menu's button shows and hides the menu (what Bootstrap's collapse plugin did,
  // without its 80 KB of script on every page).
  function manageMenuButton() {
    document.querySelectorAll(".navbar-toggler[aria-controls]").forEach(function (button) {
      var menu = document.getElementById(button.getAttribute("aria-controls"));
      if (!menu) return;
      button.addEventListener("click", function () {
        var open = !menu.classList.contains("show");
        menu.classList.toggle("show", open);
        button.setAttribute("aria-expanded", open ? "true" : "false");
        button.classList.toggle("collapsed", !open);
      });
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
    manageMenus();
    manageMenuButton();
    document.addEventListener("click", focusOnFragmentTarget);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
