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
    // The advice's button ticks 対応「多機関協働へ」 in this form (the request is made when it is saved),
    // instead of leaving the unsaved form for the household page.
    document.body.addEventListener("click", function (ev) {
      var button = ev.target.closest ? ev.target.closest("[data-choose-action]") : null;
      if (!button) return;
      var box = document.querySelector("input[name=actions][value='" + button.dataset.chooseAction + "']");
      if (!box) return;
      box.checked = true;
      box.dispatchEvent(new Event("change", { bubbles: true }));
      box.focus();
    });
    // Say so when the concern box hides some concerns below its edge (it scrolls).
    var more = document.getElementById("concern-more");
    function syncMore() {
      if (more && list) more.hidden = list.scrollHeight <= list.clientHeight + 1;
    }
    if (more && list) {
      window.addEventListener("resize", syncMore);
      if (filter) filter.addEventListener("input", syncMore);
      syncMore();
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
    // The reason for 多機関協働へ is asked for only when that action is ticked.
    var reason = document.getElementById("escalation-reason");
    function syncReason() {
      var box = form.querySelector("input[name=actions][value=multi_agency]");
      reason.hidden = !(box && box.checked) && !reason.querySelector("textarea").value;
    }
    if (form && reason) {
      form.addEventListener("change", syncReason);
      syncReason();
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
