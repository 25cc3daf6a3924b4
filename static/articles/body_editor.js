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
  ];

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

    ACTIONS.forEach(function (action) {
      var button = element("button", "body-editor-button body-editor-" + action.name, action.label);
      button.type = "button";
      button.title = action.title;
      button.setAttribute("aria-label", action.title);
      button.setAttribute("data-action", action.name);
      button.addEventListener("click", function () { action.run(textarea); });
      toolbar.appendChild(button);
    });

    textarea.parentNode.insertBefore(editor, textarea);
    editor.appendChild(toolbar);
    editor.appendChild(panes);
    panes.appendChild(textarea);
    preview.appendChild(status);
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
