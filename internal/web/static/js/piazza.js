// Piazza's small progressive enhancements. Every page works without this file.
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.remove("no-js");
  root.classList.add("js");

  // Menu toggles: <button data-piazza-toggle="id" aria-expanded="false">.
  document.addEventListener("click", function (e) {
    var btn = e.target.closest("[data-piazza-toggle]");
    if (!btn) return;
    var target = document.getElementById(btn.getAttribute("data-piazza-toggle"));
    if (!target) return;
    var open = btn.getAttribute("aria-expanded") !== "true";
    btn.setAttribute("aria-expanded", open ? "true" : "false");
    target.classList.toggle("expanded", open);
  });

  // Move focus to the error summary after a failed submission, so screen readers
  // announce it.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  });
})();
