// Autosave of the article form: while the editor types, a draft copy of the text fields goes to
// the server (articles:autosave) 3 s after the last keystroke, at least every 15 s while typing
// goes on, and when the tab is hidden or closed. The copy never touches the article; the status
// line under the save buttons says when it was kept. Reopening the form may offer a newer copy
// back ("Restore them" / "Discard"); its data comes from the #autosave-data json_script element.
(function () {
  "use strict";
  var QUIET_MS = 3000;
  var AT_MOST_MS = 15000;
  // Browsers refuse keepalive requests over 64 KiB; bigger drafts go as ordinary requests.
  var KEEPALIVE_LIMIT = 60000;
  var FIELDS = ["title", "slug", "standfirst", "body", "tags", "seo_title", "seo_description"];

  function start() {
    var status = document.getElementById("autosave-status");
    var form = status && status.closest("form");
    if (!form) { return; }
    var url = status.getAttribute("data-url");
    var keyInput = document.getElementById("autosave-key");
    var quietTimer = null;
    var firstChangeAt = 0;
    var submitting = false;
    var gone = false;
    var inFlight = false;

    function input(name) { return form.querySelector("[name='" + name + "']"); }

    function snapshot() {
      var values = {};
      FIELDS.forEach(function (name) {
        var field = input(name);
        values[name] = field ? field.value : "";
      });
      return JSON.stringify(values);
    }

    var lastSent = snapshot();

    function payload() {
      var data = new FormData();
      var csrf = input("csrfmiddlewaretoken");
      var version = input("version");
      data.append("csrfmiddlewaretoken", csrf ? csrf.value : "");
      data.append("article", status.getAttribute("data-article") || "");
      data.append("draft_key", keyInput ? keyInput.value : "");
      data.append("version", version ? version.value : "");
      FIELDS.forEach(function (name) {
        var field = input(name);
        if (field) { data.append(name, field.value); }
      });
      return data;
    }

    function say(text, kind) {
      status.textContent = text;
      status.className = "autosave-status" + (kind ? " autosave-" + kind : "");
    }

    function answered(response, sent) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.ok) {
          lastSent = sent;
          if (!data.kept) {
            say(data.warning, "warning");
          } else if (data.warning) {
            say("Draft saved " + data.saved_at_display + ". " + data.warning, "warning");
          } else {
            say("Draft saved " + data.saved_at_display, "");
          }
          return;
        }
        if (response.status === 410 || response.status === 404) { gone = true; }
        say(data.error || "Draft not saved (error " + response.status + "). Your text is still in the form.", "error");
      });
    }

    function save(leaving) {
      clearTimeout(quietTimer);
      quietTimer = null;
      firstChangeAt = 0;
      if (gone || submitting) { return; }
      var current = snapshot();
      if (current === lastSent) { return; }
      if (inFlight && !leaving) { changed(); return; }
      var body = payload();
      var options = { method: "POST", body: body, credentials: "same-origin" };
      if (leaving) {
        if (current.length < KEEPALIVE_LIMIT) {
          options.keepalive = true;
        } else if (navigator.sendBeacon && navigator.sendBeacon(url, body)) {
          lastSent = current;
          return;
        }
      }
      inFlight = true;
      fetch(url, options).then(function (response) {
        inFlight = false;
        return answered(response, current);
      }).catch(function () {
        inFlight = false;
        if (!leaving) {
          say("Draft not saved: the server could not be reached. Your text is still in the form.", "error");
        }
      });
    }

    function changed() {
      if (gone || submitting) { return; }
      var now = Date.now();
      if (!firstChangeAt) { firstChangeAt = now; }
      clearTimeout(quietTimer);
      var wait = Math.max(0, Math.min(QUIET_MS, firstChangeAt + AT_MOST_MS - now));
      quietTimer = setTimeout(function () { save(false); }, wait);
    }

    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("submit", function () {
      submitting = true;
      clearTimeout(quietTimer);
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { save(true); }
    });
    window.addEventListener("pagehide", function () { save(true); });

    offerRestore(form, input, keyInput, say, function () { lastSent = snapshot(); });
  }

  function offerRestore(form, input, keyInput, say, restored) {
    var offer = document.getElementById("autosave-offer");
    var dataNode = document.getElementById("autosave-data");
    if (!offer || !dataNode) { return; }
    var draft = JSON.parse(dataNode.textContent);
    var when = offer.getAttribute("data-saved-at");

    offer.querySelector("[data-autosave-restore]").addEventListener("click", function () {
      FIELDS.forEach(function (name) {
        var field = input(name);
        if (!field || !Object.prototype.hasOwnProperty.call(draft.fields, name)) { return; }
        field.value = draft.fields[name];
        field.dispatchEvent(new Event("input", { bubbles: true }));
        field.dispatchEvent(new Event("change", { bubbles: true }));
      });
      // The form keeps the version it was opened at: the editor restored the copy having seen
      // how it differs from the article as stored now (a later colleague's save is still refused).
      if (keyInput && draft.draft_key) { keyInput.value = draft.draft_key; }
      restored();
      offer.remove();
      say("Restored your draft from " + when + ". Save the article to keep it.", "");
    });

    offer.querySelector("[data-autosave-discard]").addEventListener("click", function () {
      var status = document.getElementById("autosave-status");
      var data = new FormData();
      var csrf = input("csrfmiddlewaretoken");
      data.append("csrfmiddlewaretoken", csrf ? csrf.value : "");
      data.append("autosave", draft.id);
      fetch(status.getAttribute("data-discard-url"), { method: "POST", body: data, credentials: "same-origin" })
        .then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (answer) {
            if (!response.ok) {
              say(answer.error || "The draft could not be discarded (error " + response.status + ").", "error");
              return;
            }
            offer.remove();
            say("Discarded your draft from " + when + ".", "");
          });
        })
        .catch(function () { say("The draft could not be discarded: the server could not be reached.", "error"); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
