// The item page's decision form (meetings/item.html): show only the fields of the selected decision kind.
// Each control names its kinds in data-kinds (meetings.forms.DecisionForm.FIELD_KINDS). Without this
// file every field shows and the server checks what the kind needs; with it, the other kinds' fields
// are hidden and disabled (so a value typed before changing the kind is not sent with it).
(function () {
  "use strict";
  function setup() {
    var form = document.getElementById("decision-form");
    var select = document.getElementById("id_decision-kind");
    if (!form || !select) return;
    var controls = Array.prototype.slice.call(form.querySelectorAll("[data-kinds]"));
    var groups = Array.prototype.slice.call(form.querySelectorAll("fieldset, .row"));
    var notes = Array.prototype.slice.call(form.querySelectorAll("[data-follows]"));
    function apply() {
      var kind = select.value;
      controls.forEach(function (control) {
        var shown = control.getAttribute("data-kinds").split(" ").indexOf(kind) !== -1;
        (control.closest(".field") || control).hidden = !shown;
        control.disabled = !shown;
      });
      notes.forEach(function (note) {
        var control = form.querySelector("[name='decision-" + note.getAttribute("data-follows") + "']");
        note.hidden = !control || control.disabled;
      });
      // A row or fieldset with none of its fields shown goes too (its legend and help text with it).
      groups.forEach(function (group) {
        var fields = Array.prototype.slice.call(group.querySelectorAll(".field"));
        group.hidden = fields.length > 0 && fields.every(function (f) { return f.hidden; });
      });
    }
    select.addEventListener("change", apply);
    apply();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
