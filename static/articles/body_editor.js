// The article body editor in the admin: a toolbar and shortcuts for the Markdown, and a live
// preview beside the text. The preview is rendered by the server with the article page's own
// renderer (articles:body_preview), so it shows exactly what readers will see.
(function () {
  "use strict";
  var WAIT_MS = 400;

  function csrfToken(form) {
    var field = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    if (field) { return field.value; }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function articleId() {
    var match = window.location.pathname.match(/\/(\d+)\/change\/$/);
    return match ? match[1] : "";
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  // Replace the selection (or insert at the caret) keeping the browser's undo history where it can.
  function replaceSelection(textarea, text, selectFrom, selectTo) {
    var start = textarea.selectionStart;
    textarea.focus();
    var done = false;
    try { done = document.execCommand("insertText", false, text); } catch (error) { done = false; }
    if (!done) {
      textarea.setRangeText(text, start, textarea.selectionEnd, "end");
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }
    if (selectFrom !== undefined) {
      textarea.setSelectionRange(start + selectFrom, start + selectTo);
    }
  }

  function wrap(textarea, before, after, placeholder) {
    var selected = textarea.value.slice(textarea.selectionStart, textarea.selectionEnd) || placeholder;
    replaceSelection(textarea, before + selected + after, before.length, before.length + selected.length);
  }

  function link(textarea) {
    var selected = textarea.value.slice(textarea.selectionStart, textarea.selectionEnd) || "link text";
    var text = "[" + selected + "](https://)";
    // Select the address, the part still to be typed.
    replaceSelection(textarea, text, selected.length + 3, text.length - 1);
  }

  // Give every line of the selection a prefix ("## ", "- ", "1. ", "> "), replacing a heading's.
  function prefixLines(textarea, prefix) {
    var value = textarea.value;
    var start = value.lastIndexOf("\n", textarea.selectionStart - 1) + 1;
    var end = value.indexOf("\n", textarea.selectionEnd);
    if (end === -1 || (textarea.selectionEnd > textarea.selectionStart && value[textarea.selectionEnd - 1] === "\n")) {
      end = end === -1 ? value.length : textarea.selectionEnd - 1;
    }
    var lines = value.slice(start, end).split("\n");
    var text = lines.map(function (line, index) {
      var bare = /^#{1,6} /.test(prefix) ? line.replace(/^#{1,6}\s+/, "") : line;
      return (typeof prefix === "function" ? prefix(index) : prefix) + bare;
    }).join("\n");
    textarea.setSelectionRange(start, end);
    replaceSelection(textarea, text, 0, text.length);
  }

  function readMoreSlot(textarea) {
    var before = textarea.value.slice(0, textarea.selectionStart);
    var after = textarea.value.slice(textarea.selectionEnd);
    var lead = before === "" || /\n\n$/.test(before) ? "" : (/\n$/.test(before) ? "\n" : "\n\n");
    var tail = after === "" || /^\n\n/.test(after) ? "" : (/^\n/.test(after) ? "\n" : "\n\n");
    var text = lead + "[read more]" + tail;
    replaceSelection(textarea, text, text.length, text.length);
  }

  // A media line stands alone: an empty line before and after it. The caret goes after it.
  function insertBlock(textarea, line) {
    var before = textarea.value.slice(0, textarea.selectionStart);
    var after = textarea.value.slice(textarea.selectionEnd);
    var lead = before === "" || /\n\n$/.test(before) ? "" : (/\n$/.test(before) ? "\n" : "\n\n");
    var tail = after === "" || /^\n\n/.test(after) ? "" : (/^\n/.test(after) ? "\n" : "\n\n");
    var text = lead + line + tail;
    replaceSelection(textarea, text, lead.length + line.length, lead.length + line.length);
  }

  function pullQuote(textarea) {
    var value = textarea.value;
    var start = value.lastIndexOf("\n", textarea.selectionStart - 1) + 1;
    var end = value.indexOf("\n", start);
    var line = value.slice(start, end === -1 ? value.length : end);
    if (line.trim() === "") {
      insertBlock(textarea, "[pull quote] ");
      return;
    }
    textarea.setSelectionRange(start, start);
    replaceSelection(textarea, /^\[pull quote\]/i.test(line) ? "" : "[pull quote] ");
  }

  var ACTIONS = [
    { name: "h2", label: "H2", title: "Heading", run: function (t) { prefixLines(t, "## "); } },
    { name: "h3", label: "H3", title: "Subheading", run: function (t) { prefixLines(t, "### "); } },
    { name: "bold", label: "B", title: "Bold (Ctrl+B)", key: "b", run: function (t) { wrap(t, "**", "**", "bold text"); } },
    { name: "italic", label: "I", title: "Italic (Ctrl+I)", key: "i", run: function (t) { wrap(t, "*", "*", "italic text"); } },
    { name: "link", label: "Link", title: "Link (Ctrl+K)", key: "k", run: link },
    { name: "bullets", label: "• List", title: "Bulleted list", run: function (t) { prefixLines(t, "- "); } },
    { name: "numbers", label: "1. List", title: "Numbered list", run: function (t) { prefixLines(t, function (i) { return (i + 1) + ". "; }); } },
    { name: "quote", label: "Quote", title: "Quote", run: function (t) { prefixLines(t, "> "); } },
    { name: "read-more", label: "READ MORE", title: "READ MORE slot: the next hand-picked article's link goes here", run: readMoreSlot },
    { name: "image", label: "Image", title: "Picture: upload one or pick it from the library", media: "image" },
    { name: "gallery", label: "Gallery", title: "Gallery: pick 2 to 20 pictures", media: "gallery" },
    { name: "embed", label: "Embed", title: "Video or map: paste a YouTube, Bilibili, Vimeo, OpenStreetMap or Google Maps link", media: "embed" },
    { name: "pull-quote", label: "Pull quote", title: "Pull quote: the line becomes a quote set large (end it with — and who said it)", run: pullQuote },
  ];

  function showErrors(dialog, errors) {
    dialog.querySelectorAll("[data-errors]").forEach(function (list) {
      var messages = errors[list.getAttribute("data-errors")] || [];
      list.textContent = "";
      messages.forEach(function (message) { list.appendChild(element("li", "", message)); });
      list.hidden = messages.length === 0;
    });
  }

  function field(dialog, name) { return dialog.querySelector("[data-field=" + name + "]"); }

  function getJSON(response) {
    return response.json().catch(function () { return { error: "The server answered " + response.status + "." }; });
  }

  // The picture dialog: upload (with the image admin's checks) or pick from the library.
  function imageDialog(textarea, dialog, refresh) {
    var mode = "image";
    var picked = [];
    var form = textarea.form;
    var status = dialog.querySelector("[data-upload-status]");
    var libraryStatus = dialog.querySelector("[data-library-status]");
    var library = dialog.querySelector("[data-library]");
    var pickedNote = dialog.querySelector("[data-picked]");
    var galleryButton = dialog.querySelector("[data-dialog-action=insert-gallery]");
    var searchTimer = null;

    function tab(name) {
      dialog.querySelectorAll("[role=tab]").forEach(function (button) {
        var on = button.getAttribute("data-tab") === name;
        button.setAttribute("aria-selected", on ? "true" : "false");
        button.tabIndex = on ? 0 : -1;
      });
      dialog.querySelectorAll("[data-panel]").forEach(function (panel) {
        panel.hidden = panel.getAttribute("data-panel") !== name;
      });
      if (name === "library") { loadLibrary(); }
    }

    function notePicked() {
      pickedNote.textContent = mode === "gallery" ? picked.length + " picked (2 to 20)" : "";
      library.querySelectorAll("[data-image-id]").forEach(function (button) {
        button.setAttribute("aria-pressed", picked.indexOf(button.getAttribute("data-image-id")) === -1 ? "false" : "true");
      });
    }

    function insert(line) {
      dialog.close();
      textarea.focus();
      insertBlock(textarea, line);
      refresh();
    }

    function pick(id) {
      if (mode === "image") { insert("[image " + id + "]"); return; }
      var at = picked.indexOf(id);
      if (at === -1) { picked.push(id); } else { picked.splice(at, 1); }
      notePicked();
    }

    function loadLibrary() {
      var url = textarea.getAttribute("data-image-library-url") + "?q=" + encodeURIComponent(field(dialog, "q").value);
      libraryStatus.textContent = "Loading the library…";
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(getJSON)
        .then(function (data) {
          if (data.error) { throw new Error(data.error); }
          library.textContent = "";
          data.images.forEach(function (image) {
            var item = element("li");
            var button = element("button", "body-editor-library-item");
            button.type = "button";
            button.setAttribute("data-image-id", String(image.id));
            var thumb = element("img");
            thumb.src = image.thumbnail;
            thumb.alt = "";
            thumb.loading = "lazy";
            button.appendChild(thumb);
            button.appendChild(element("span", "body-editor-library-title", image.id + " · " + image.title));
            if (!image.alt_text && !image.decorative) {
              button.appendChild(element("span", "body-editor-library-warning", "No alt text"));
            }
            button.addEventListener("click", function () { pick(String(image.id)); });
            item.appendChild(button);
            library.appendChild(item);
          });
          libraryStatus.textContent = data.images.length ? "" : "No picture matches.";
          notePicked();
        })
        .catch(function (error) { libraryStatus.textContent = "The library did not load: " + error.message; });
    }

    function upload() {
      var data = new FormData();
      ["title", "alt_text", "caption", "credit"].forEach(function (name) { data.append(name, field(dialog, name).value); });
      if (field(dialog, "decorative").checked) { data.append("decorative", "on"); }
      var file = field(dialog, "file").files[0];
      if (file) { data.append("file", file); }
      status.textContent = "Uploading…";
      fetch(textarea.getAttribute("data-image-upload-url"), {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken(form) },
      })
        .then(getJSON)
        .then(function (data) {
          if (data.image) {
            showErrors(dialog, {});
            status.textContent = "";
            dialog.querySelectorAll("[data-panel=upload] input").forEach(function (input) {
              if (input.type === "checkbox") { input.checked = false; } else { input.value = ""; }
            });
            if (mode === "image") { insert("[image " + data.image.id + "]"); return; }
            picked.push(String(data.image.id));
            tab("library");
            return;
          }
          status.textContent = "Not uploaded: see the messages above.";
          showErrors(dialog, data.errors || { __all__: [data.error || "The upload failed."] });
        })
        .catch(function (error) {
          status.textContent = "";
          showErrors(dialog, { __all__: ["The upload failed: " + error.message + " Try again."] });
        });
    }

    dialog.querySelectorAll("[role=tab]").forEach(function (button) {
      button.addEventListener("click", function () { tab(button.getAttribute("data-tab")); });
    });
    dialog.querySelector("[data-dialog-action=upload]").addEventListener("click", upload);
    galleryButton.addEventListener("click", function () {
      if (picked.length < 2 || picked.length > 20) {
        pickedNote.textContent = "A gallery needs 2 to 20 pictures; " + picked.length + " picked.";
        return;
      }
      insert("[gallery " + picked.join(" ") + "]");
    });
    field(dialog, "q").addEventListener("input", function () {
      window.clearTimeout(searchTimer);
      searchTimer = window.setTimeout(loadLibrary, WAIT_MS);
    });
    field(dialog, "file").addEventListener("change", function () {
      var file = field(dialog, "file").files[0];
      if (file && !field(dialog, "title").value) {
        field(dialog, "title").value = file.name.replace(/\.[^.]+$/, "").replace(/[-_]+/g, " ");
      }
    });

    return function open(newMode, file) {
      mode = newMode;
      picked = [];
      dialog.querySelector("[data-dialog-title]").textContent = mode === "gallery" ? "Insert a gallery" : "Insert a picture";
      dialog.querySelector("[data-dialog-action=upload]").textContent = mode === "gallery" ? "Upload and add to the gallery" : "Upload and insert";
      galleryButton.hidden = mode !== "gallery";
      if (file) {
        var chosen = new DataTransfer();
        chosen.items.add(file);
        field(dialog, "file").files = chosen.files;
        field(dialog, "file").dispatchEvent(new Event("change"));
      }
      tab(mode === "gallery" && !file ? "library" : "upload");
      notePicked();
      if (!dialog.open) { dialog.showModal(); }
      (file ? field(dialog, "title") : dialog.querySelector("[aria-selected=true]")).focus();
    };
  }

  // The embed dialog: the link is checked by the preview's own rules before it goes in.
  function embedDialog(textarea, dialog, refresh) {
    var url = textarea.getAttribute("data-body-preview-url");
    dialog.querySelector("[data-dialog-action=embed]").addEventListener("click", function () {
      var link = field(dialog, "link").value.trim();
      var label = field(dialog, "label").value.replace(/["\u201c\u201d]/g, "").trim();
      if (!link) { showErrors(dialog, { link: ["Paste the link of the video or map."] }); return; }
      var line = "[embed " + link.replace(/\s+/g, "") + (label ? " \"" + label + "\"" : "") + "]";
      var data = new FormData();
      data.append("body", line);
      fetch(url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken(textarea.form) },
      })
        .then(getJSON)
        .then(function (data) {
          if (data.error) { throw new Error(data.error); }
          if (data.problems.length) { showErrors(dialog, { link: data.problems }); return; }
          showErrors(dialog, {});
          field(dialog, "link").value = "";
          field(dialog, "label").value = "";
          dialog.close();
          textarea.focus();
          insertBlock(textarea, line);
          refresh();
        })
        .catch(function (error) { showErrors(dialog, { link: ["The link could not be checked: " + error.message] }); });
    });
    return function open() {
      dialog.showModal();
      field(dialog, "link").focus();
    };
  }

  function imageFile(list) {
    return Array.prototype.filter.call(list || [], function (file) { return /^image\//.test(file.type); })[0];
  }

  function describe(data) {
    var parts = [data.words + " word" + (data.words === 1 ? "" : "s")];
    if (data.cjk_characters) {
      parts[0] += " (" + data.cjk_characters + " Chinese character" + (data.cjk_characters === 1 ? "" : "s") + " counted as words)";
    }
    parts.push(data.reading_minutes + " min read");
    return parts.join(" · ");
  }

  function start(textarea) {
    var form = textarea.form;
    var url = textarea.getAttribute("data-body-preview-url");
    var editor = element("div", "body-editor");
    var toolbar = element("div", "body-editor-toolbar");
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", "Formatting");
    var panes = element("div", "body-editor-panes");
    var preview = element("section", "body-editor-preview");
    preview.setAttribute("aria-label", "Preview");
    var status = element("p", "body-editor-status", "Preview loading…");
    status.setAttribute("aria-live", "polite");
    var removed = element("p", "body-editor-removed");
    removed.hidden = true;
    var rendered = element("div", "body-editor-rendered article-body");

    var problems = element("ul", "body-editor-problems");
    problems.hidden = true;
    problems.setAttribute("aria-label", "Problems to fix before saving");
    var dialogs = {};
    var openers = {};
    document.querySelectorAll("dialog[data-body-dialog][data-for='" + textarea.id + "']").forEach(function (dialog) {
      // Out of the article form: Enter in a dialog's field must not submit the article.
      document.body.appendChild(dialog);
      dialogs[dialog.getAttribute("data-body-dialog")] = dialog;
      dialog.querySelectorAll("[data-dialog-action=close]").forEach(function (button) {
        button.addEventListener("click", function () { dialog.close(); textarea.focus(); });
      });
    });
    if (dialogs.image) { openers.image = imageDialog(textarea, dialogs.image, function () { refresh(); }); }
    if (dialogs.embed) { openers.embed = embedDialog(textarea, dialogs.embed, function () { refresh(); }); }
    ACTIONS.forEach(function (action) {
      if (action.media) {
        var opener = openers[action.media === "embed" ? "embed" : "image"];
        if (!opener) { return; }
        action = Object.assign({}, action, { run: function () { opener(action.media); } });
      }
      var button = element("button", "body-editor-button body-editor-" + action.name, action.label);
      button.type = "button";
      button.title = action.title;
      button.setAttribute("aria-label", action.title);
      button.setAttribute("data-action", action.name);
      button.addEventListener("click", function () { action.run(textarea); });
      toolbar.appendChild(button);
    });

    // A picture dropped on the text, or pasted into it, opens the upload with the file chosen.
    if (openers.image) {
      textarea.addEventListener("dragover", function (event) {
        if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") !== -1) { event.preventDefault(); }
      });
      textarea.addEventListener("drop", function (event) {
        var file = imageFile(event.dataTransfer && event.dataTransfer.files);
        if (!file) { return; }
        event.preventDefault();
        openers.image("image", file);
      });
      textarea.addEventListener("paste", function (event) {
        var file = imageFile(event.clipboardData && event.clipboardData.files);
        if (!file) { return; }
        event.preventDefault();
        openers.image("image", file);
      });
    }

    textarea.parentNode.insertBefore(editor, textarea);
    editor.appendChild(toolbar);
    editor.appendChild(panes);
    panes.appendChild(textarea);
    preview.appendChild(status);
    preview.appendChild(problems);
    preview.appendChild(removed);
    preview.appendChild(rendered);
    panes.appendChild(preview);

    textarea.addEventListener("keydown", function (event) {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) { return; }
      var key = event.key.toLowerCase();
      ACTIONS.forEach(function (action) {
        if (action.key === key) {
          event.preventDefault();
          action.run(textarea);
        }
      });
    });

    var timer = null;
    var asked = 0;
    function refresh() {
      var ask = ++asked;
      var data = new FormData();
      data.append("body", textarea.value);
      data.append("article", articleId());
      fetch(url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken(form) },
      })
        .then(function (response) {
          return response.json().catch(function () { return { error: "HTTP " + response.status }; });
        })
        .then(function (data) {
          if (ask !== asked) { return; }  // a newer preview is on its way
          if (data.error) { throw new Error(data.error); }
          rendered.innerHTML = data.html;
          // The editor shows where an embed goes; only readers' pages load the player.
          rendered.querySelectorAll(".embed-load").forEach(function (button) {
            button.hidden = false;
            button.disabled = true;
            button.title = "Readers load it on the article page";
          });
          problems.textContent = "";
          (data.problems || []).forEach(function (message) { problems.appendChild(element("li", "", message)); });
          problems.hidden = problems.childNodes.length === 0;
          status.textContent = describe(data);
          status.classList.remove("body-editor-error");
          removed.hidden = data.removed.length === 0;
          removed.textContent = "Removed because readers' pages do not allow it: " + data.removed.join(", ") +
            " (only http, https and mailto addresses are kept).";
        })
        .catch(function (error) {
          if (ask !== asked) { return; }
          status.textContent = "Preview not updated: " + error.message;
          status.classList.add("body-editor-error");
        });
    }
    textarea.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, WAIT_MS);
    });
    refresh();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-body-preview-url]").forEach(start);
  });
})();
