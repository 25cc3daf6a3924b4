// Share buttons: one Share button that opens the phone's own share sheet (Web Share API) or,
// where there is none (desktops), the menu of networks with the WeChat QR dialog; copying the
// link; and counting shares. Without this file every share button is still a plain link and the
// link is shown in a read-only field; only the share counter does not move.
(function () {
  "use strict";

  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  function showCount(count) {
    document.querySelectorAll("[data-counter='shares']").forEach(function (counter) {
      counter.textContent = count + (count === 1 ? " Share" : " Shares");
    });
  }

  // Tell the site about a share; the answer carries the article's share count.
  function record(box, network) {
    var body = new URLSearchParams();
    body.set("network", network);
    return fetch(box.getAttribute("data-share-endpoint"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      keepalive: true,
      headers: { "X-CSRFToken": box.getAttribute("data-csrf-token") || cookie("csrftoken") },
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && typeof data.count === "number") showCount(data.count);
      })
      .catch(function () { /* counting is best effort; the share itself has happened */ });
  }

  function setUpDialog(box, link) {
    var dialog = document.getElementById(link.getAttribute("data-share-dialog"));
    if (!dialog || typeof dialog.showModal !== "function") return; // the link opens the QR code itself
    link.addEventListener("click", function (event) {
      event.preventDefault();
      dialog.showModal();
      record(box, link.getAttribute("data-share-network"));
    });
    dialog.querySelectorAll("[data-share-close]").forEach(function (button) {
      button.addEventListener("click", function () { dialog.close(); });
    });
    // A click on the backdrop (outside the dialog's box) closes it too.
    dialog.addEventListener("click", function (event) {
      if (event.target === dialog) dialog.close();
    });
  }

  function setUpCopy(box) {
    var item = box.querySelector("[data-share-copy-item]");
    var button = box.querySelector("[data-share-copy]");
    var field = box.querySelector("[data-share-link-field]");
    var input = field ? field.querySelector("input") : null;
    var status = box.querySelector("[data-share-status]");
    if (!item || !button) return;
    var url = box.getAttribute("data-article-url");

    function copied() {
      if (status) status.textContent = "Link copied.";
      record(box, "copy");
    }

    function fallback() {
      // No clipboard access: show the link selected, ready for the reader to copy.
      if (field) field.hidden = false;
      if (input) { input.focus(); input.select(); }
      var done = false;
      try { done = document.execCommand("copy"); } catch (error) { done = false; }
      if (done) copied();
      else if (status) status.textContent = "Copy the selected link.";
    }

    item.hidden = false;
    if (field) field.hidden = true;
    button.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(url).then(copied, fallback);
      } else {
        fallback();
      }
    });
  }

  // Phones (a touch screen as the main pointer) with the Web Share API get the system share
  // sheet; desktops keep the menu, where the WeChat QR code is the way to reach a phone.
  function systemSheet() {
    return typeof navigator.share === "function" &&
      window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
  }

  function setUpToggle(box) {
    var toggle = box.querySelector("[data-share-toggle]");
    var menu = box.querySelector("[data-share-menu]");
    if (!toggle || !menu) return;
    toggle.hidden = false;
    menu.hidden = true;
    box.classList.add("share-collapsed");

    function setOpen(open) {
      menu.hidden = !open;
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    }

    toggle.addEventListener("click", function () {
      if (systemSheet()) {
        var data = {
          title: box.getAttribute("data-article-title") || document.title,
          text: box.getAttribute("data-article-text") || "",
          url: box.getAttribute("data-article-url"),
        };
        navigator.share(data).then(
          function () { record(box, "system"); },
          function (error) {
            // The reader closed the sheet: nothing to do. Anything else: offer the menu.
            if (!error || error.name !== "AbortError") setOpen(true);
          }
        );
        return;
      }
      setOpen(menu.hidden);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !menu.hidden && !document.querySelector("dialog[open]")) setOpen(false);
    });
  }

  function start() {
    document.querySelectorAll("[data-share]").forEach(function (box) {
      setUpToggle(box);
      box.querySelectorAll("[data-share-network]").forEach(function (link) {
        if (link.hasAttribute("data-share-dialog")) {
          setUpDialog(box, link);
        } else {
          link.addEventListener("click", function () { record(box, link.getAttribute("data-share-network")); });
        }
      });
      setUpCopy(box);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
