/* Suggestions of the text model on the moderation page: a click on a suggested category or
   executor selects it in its list. The page works without this script (choose by hand). */
(function () {
  "use strict";

  document.querySelectorAll("button.suggestion[data-select]").forEach(function (button) {
    button.addEventListener("click", function () {
      var select = document.getElementById(button.dataset.select);
      if (!select) return;
      var exists = Array.prototype.some.call(select.options, function (option) {
        return option.value === button.dataset.value;
      });
      if (!exists) return;
      select.value = button.dataset.value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      var list = button.closest(".suggestion-list");
      if (list) {
        list.querySelectorAll("button.suggestion").forEach(function (other) {
          other.setAttribute("aria-pressed", other === button ? "true" : "false");
        });
      }
      select.focus();
    });
  });
})();
