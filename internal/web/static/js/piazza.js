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

  // The rating component sends in the background and thanks in place; without
  // JavaScript the form posts and a thank-you page follows.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.classList || !form.classList.contains("piazza-rating") || !window.fetch) return;
    e.preventDefault();
    var done = form.querySelector(".piazza-feedback-done");
    fetch(form.action, { method: "POST", body: new URLSearchParams(new FormData(form)), headers: { "X-Requested-With": "piazza" }, credentials: "same-origin" })
      .then(function (res) {
        if (res.status === 204) {
          form.querySelectorAll("fieldset, .form-group, button").forEach(function (el) { el.hidden = true; });
          done.textContent = form.getAttribute("data-thanks");
        } else {
          done.textContent = form.getAttribute("data-error");
        }
      })
      .catch(function () { form.submit(); });
  });

  // Move focus to the error summary after a failed submission, so screen readers
  // announce it.
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  });
})();
