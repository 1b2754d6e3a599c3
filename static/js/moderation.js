/* Moderation by keyboard. Queue: j/k or ↓/↑ move the selection, Enter opens, x ticks the row.
   Moderation page: a accepts with the values shown, r/c/m go to the reject reason, the
   clarification question and the merge number, n skips to the next appeal. ? shows the keys.
   Keys are ignored while typing in a field. The pages work without this script. */
(function () {
  "use strict";

  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    if (tag === "input") {
      // A ticked checkbox or a radio button is not typing: the keys still work there.
      return ["checkbox", "radio", "button", "submit"].indexOf(target.type) === -1;
    }
    return tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  /* ---------------------------------------------------------------- help panel */

  var help = document.getElementById("kbd-help");
  var toggles = document.querySelectorAll(".kbd-toggle");

  function toggleHelp() {
    if (!help) return;
    help.hidden = !help.hidden;
    toggles.forEach(function (button) {
      button.setAttribute("aria-expanded", help.hidden ? "false" : "true");
    });
  }
  toggles.forEach(function (button) { button.addEventListener("click", toggleHelp); });

  /* ---------------------------------------------------------------- queue */

  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.queue-row"));
  var current = -1;

  function select(index) {
    if (!rows.length) return;
    index = Math.max(0, Math.min(rows.length - 1, index));
    if (current >= 0 && rows[current]) {
      rows[current].classList.remove("selected");
      rows[current].removeAttribute("aria-selected");
    }
    current = index;
    var row = rows[current];
    row.classList.add("selected");
    row.setAttribute("aria-selected", "true");
    var link = row.querySelector("a.queue-link");
    if (link) link.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  function selectedRow() {
    return current >= 0 ? rows[current] : null;
  }

  // A click or focus inside a row makes it the current one, so the keys continue from there.
  rows.forEach(function (row, index) {
    row.addEventListener("focusin", function () {
      if (current !== index) {
        if (current >= 0 && rows[current]) rows[current].classList.remove("selected");
        current = index;
        row.classList.add("selected");
      }
    });
  });

  /* ---------------------------------------------------------------- moderation page */

  var reasonSelect = document.getElementById("reject-reason");
  var preview = document.getElementById("reject-preview");
  if (reasonSelect && preview) {
    reasonSelect.addEventListener("change", function () {
      var option = reasonSelect.options[reasonSelect.selectedIndex];
      preview.textContent = option ? option.dataset.publicText || "" : "";
    });
  }

  function focusField(id) {
    var field = document.getElementById(id);
    if (!field) return false;
    field.scrollIntoView({ block: "center" });
    field.focus();
    return true;
  }

  // One submission per form: a double click or a repeated key does not post twice.
  document.querySelectorAll("form.mod-form, #bulk-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sending) { event.preventDefault(); return; }
      form.dataset.sending = "1";
    });
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sending]").forEach(function (form) {
      delete form.dataset.sending;
    });
  });

  /* ---------------------------------------------------------------- keys */

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    var key = event.key;
    var handled = true;
    if (key === "?") {
      toggleHelp();
    } else if (rows.length && (key === "j" || key === "ArrowDown")) {
      select(current + 1);
    } else if (rows.length && (key === "k" || key === "ArrowUp")) {
      select(current < 0 ? 0 : current - 1);
    } else if (rows.length && key === "Enter" && selectedRow()) {
      window.location.href = selectedRow().dataset.url;
    } else if (rows.length && key === "x" && selectedRow()) {
      var box = selectedRow().querySelector("input[type=checkbox]");
      if (box) box.checked = !box.checked;
    } else if (key === "a" && document.getElementById("accept-form")) {
      var accept = document.getElementById("accept-form");
      if (typeof accept.requestSubmit === "function") accept.requestSubmit();
      else accept.submit();
    } else if (key === "r") {
      handled = focusField("reject-reason");
    } else if (key === "c") {
      handled = focusField("clarify-question");
    } else if (key === "m") {
      handled = focusField("merge-into");
    } else if (key === "n" && document.getElementById("next-link")) {
      window.location.href = document.getElementById("next-link").href;
    } else {
      handled = false;
    }
    if (handled) event.preventDefault();
  });

  // Re-shown with errors: the first wrong field of the form that was sent takes the focus.
  var invalid = document.querySelector(".mod-form.active [aria-invalid=true]");
  if (invalid) invalid.focus();
})();
