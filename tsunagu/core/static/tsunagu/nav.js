// The main menu's disclosures (<details name="main-nav">, tsunagu/core/templatetags/nav.py). They open and
// close by mouse and keyboard without this file; it adds what users expect of a menu: Escape closes the
// open one (focus back on its summary), and a click or the focus moving elsewhere closes it.
(function () {
  "use strict";
  function openMenus() {
    return document.querySelectorAll(".global-nav details[open]");
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    openMenus().forEach(function (menu) {
      var hadFocus = menu.contains(document.activeElement);
      menu.open = false;
      if (hadFocus) menu.querySelector("summary").focus();
    });
  });
  document.addEventListener("click", function (event) {
    openMenus().forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });
  document.addEventListener("focusin", function (event) {
    openMenus().forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });
})();
