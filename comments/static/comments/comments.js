// Reply in place: the comment form moves under the comment being answered.
// Without this file the Reply link opens the same form on a page of its own.
(function () {
  "use strict";
  var respond = document.querySelector("[data-respond]");
  if (!respond) { return; }
  var form = respond.querySelector("form");
  var parentInput = form && form.querySelector("input[name=parent]");
  if (!parentInput) { return; }
  var home = document.createElement("div");
  respond.parentNode.insertBefore(home, respond);
  var note = document.createElement("p");
  note.className = "comment-replying small";
  note.hidden = true;
  var label = document.createElement("span");
  var cancel = document.createElement("a");
  cancel.href = "#respond";
  cancel.textContent = "Cancel reply";
  cancel.className = "ms-2 comment-cancel-reply";
  note.appendChild(label);
  note.appendChild(cancel);
  form.insertBefore(note, form.firstChild);
  var title = respond.querySelector("#respond-title");
  var titleText = title ? title.textContent : "";

  function reset() {
    parentInput.value = "";
    note.hidden = true;
    if (title) { title.textContent = titleText; }
    home.parentNode.insertBefore(respond, home.nextSibling);
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a.comment-reply-link");
    if (link) {
      event.preventDefault();
      var card = link.closest(".comment-card");
      parentInput.value = link.getAttribute("data-reply-to");
      label.textContent = "Replying to " + link.getAttribute("data-reply-name") + ".";
      note.hidden = false;
      if (title) { title.textContent = "Your reply"; }
      card.parentNode.insertBefore(respond, card.nextSibling);
      var body = form.querySelector("textarea");
      if (body) { body.focus(); }
      return;
    }
    if (event.target.closest("a.comment-cancel-reply")) {
      event.preventDefault();
      reset();
      respond.scrollIntoView({ block: "nearest" });
    }
  });
}());
