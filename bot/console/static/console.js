// Omoide console: progressive enhancement only. Every page works without this file.
"use strict";
(function () {
  var lang = document.documentElement.lang || undefined;

  // Times arrive in UTC; show them in the viewer's own time zone (UTC stays in the tooltip).
  var fmt = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
  document.querySelectorAll("time[datetime]").forEach(function (el) {
    var when = new Date(el.getAttribute("datetime"));
    if (!isNaN(when)) { el.title = el.textContent; el.textContent = fmt.format(when); }
  });

  // Forms that delete ask first.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { ev.preventDefault(); }
    });
  });

  // "Select all" for the bulk delete (hidden until the script can drive it).
  var all = document.getElementById("select-all");
  if (all) {
    all.hidden = false;
    all.addEventListener("change", function () {
      document.querySelectorAll("input[name=ids]").forEach(function (box) { box.checked = all.checked; });
    });
  }

  // The memory list: arrow keys (or j/k) move between memories, Enter opens the focused one.
  document.querySelectorAll("[data-keynav]").forEach(function (list) {
    list.addEventListener("keydown", function (ev) {
      var links = Array.prototype.slice.call(list.querySelectorAll("a.memory-link"));
      var at = links.indexOf(document.activeElement);
      if (at < 0) { return; }
      var step = { ArrowDown: 1, j: 1, ArrowUp: -1, k: -1 }[ev.key];
      if (!step) { return; }
      var next = links[at + step];
      if (next) { next.focus(); }
      ev.preventDefault();
    });
  });
})();
