// Intake screen helpers (no framework; served from 'self' so the CSP allows it).
// Concern filter: type kana or kanji to narrow the list; Enter ticks the first visible concern.
(function () {
  "use strict";
  function normalise(text) {
    // NFKC folds half-width kana; katakana -> hiragana so that カイゴ finds かいご.
    return (text || "").normalize("NFKC").replace(/[\u30a1-\u30f6]/g, function (ch) {
      return String.fromCharCode(ch.charCodeAt(0) - 0x60);
    }).replace(/\s+/g, "").toLowerCase();
  }
  function setup() {
    var filter = document.getElementById("concern-filter");
    var list = document.getElementById("concern-list");
    if (filter && list) {
      var items = Array.prototype.slice.call(list.querySelectorAll(".concern"));
      filter.addEventListener("input", function () {
        var q = normalise(filter.value);
        items.forEach(function (item) {
          item.hidden = q !== "" && normalise(item.dataset.search).indexOf(q) === -1;
        });
      });
      filter.addEventListener("keydown", function (ev) {
        if (ev.key !== "Enter") return;
        ev.preventDefault();
        var first = items.find(function (item) { return !item.hidden; });
        if (!first) return;
        var box = first.querySelector("input");
        box.checked = !box.checked;
        box.dispatchEvent(new Event("change", { bubbles: true }));
        filter.value = "";
        items.forEach(function (item) { item.hidden = false; });
      });
    }
    // Show the new-person fields only when "新しい人として登録する" is chosen.
    var form = document.getElementById("intake-form");
    var block = document.getElementById("new-person");
    function sync() {
      var checked = form.querySelector("input[name=person_choice]:checked");
      block.hidden = !(checked && checked.value === "new");
    }
    if (form && block) {
      form.addEventListener("change", sync);
      document.body.addEventListener("htmx:afterSwap", sync);
      sync();
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
