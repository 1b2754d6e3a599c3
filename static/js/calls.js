// The call's outcome form: the questions about the outcome only when the applicant was reached.
(function () {
  "use strict";
  var form = document.getElementById("call-outcome");
  if (!form) return;
  var outcome = ["is_solved", "speed_score", "work_score", "answer_score"];

  function fieldOf(name) {
    var input = form.querySelector('[name="' + name + '"]');
    return input ? input.closest(".field") : null;
  }

  function update() {
    var chosen = form.querySelector('input[name="result"]:checked');
    var reached = !chosen || chosen.value === "reached";
    outcome.forEach(function (name) {
      var field = fieldOf(name);
      if (field) field.hidden = !reached;
    });
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "result") update();
  });
  update();
})();
