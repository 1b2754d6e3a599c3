/* The answer form (part B): a template fills the textarea, the evidence count follows the
   chosen files for the live formal-reply check (htmx, declared in the template), and the form
   is sent once per click. Without this script the form works with ?template= and «Проверить». */
(function () {
  "use strict";

  var form = document.getElementById("answer-form");
  if (!form) return;
  var text = document.getElementById("id_text");
  var picker = document.getElementById("answer-template");
  var files = document.getElementById("id_evidence");
  var count = document.getElementById("evidence-count");
  var submit = document.getElementById("answer-submit");

  function changed(element) {
    element.dispatchEvent(new Event("input", { bubbles: true }));
    element.dispatchEvent(new Event("change", { bubbles: true }));
  }

  if (picker) {
    picker.addEventListener("change", function () {
      var option = picker.options[picker.selectedIndex];
      if (!option || !option.value) return;
      var current = text.value.trim();
      if (current && current !== option.dataset.text.trim() && !window.confirm(picker.dataset.confirm)) {
        picker.value = "";
        return;
      }
      text.value = option.dataset.text;
      text.focus();
      changed(text);
    });
  }

  function updateCount() {
    var kept = form.querySelectorAll('input[name="draft"]').length;
    var removed = form.querySelectorAll('input[name="remove_draft"]:checked').length;
    count.value = String(kept - removed + (files.files ? files.files.length : 0));
  }
  files.addEventListener("change", updateCount);
  form.addEventListener("change", function (event) {
    if (event.target.name === "remove_draft") {
      updateCount();
      files.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
  updateCount();

  var sending = false;
  form.addEventListener("submit", function (event) {
    var via = event.submitter;
    if (via && via !== submit) return;
    if (sending) { event.preventDefault(); return; }
    sending = true;
    submit.setAttribute("aria-disabled", "true");
  });
})();
