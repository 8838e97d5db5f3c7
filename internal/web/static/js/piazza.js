// Piazza's small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.remove("no-js");
  root.classList.add("js");

  // Menu toggles: every element with data-piazza-toggle="id" opens or closes the
  // element with that id (the burger button, which carries aria-expanded, and the
  // close button and backdrop inside the open menu). Escape closes an open menu.
  // Opening moves the focus into the menu; closing brings it back to the burger.
  function togglers(id) {
    return document.querySelectorAll('[data-piazza-toggle="' + id + '"][aria-expanded]');
  }
  function setOpen(target, open) {
    target.classList.toggle("expanded", open);
    togglers(target.id).forEach(function (b) {
      b.setAttribute("aria-expanded", open ? "true" : "false");
    });
    var focus = open ? target.querySelector(".close-menu, a, button") : togglers(target.id)[0];
    if (focus) focus.focus();
  }
  document.addEventListener("click", function (e) {
    var btn = e.target.closest("[data-piazza-toggle]");
    if (!btn) return;
    var target = document.getElementById(btn.getAttribute("data-piazza-toggle"));
    if (!target) return;
    setOpen(target, !target.classList.contains("expanded"));
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    document.querySelectorAll(".navbar-collapsable.expanded").forEach(function (m) {
      setOpen(m, false);
    });
  });

  // Move focus to the error summary after a failed submission, so screen readers
  // announce it.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  });
})();
