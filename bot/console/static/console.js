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

// The livestream live view: the console's own socket (the session cookie is the credential) pushes each
// event of the persona; a row per event, newest first, text only (never HTML from the stream).
(function () {
  var table = document.querySelector("[data-live-ws]");
  if (!table) { return; }
  var status = document.getElementById("live-status");
  var body = table.querySelector("tbody");
  var scheme = location.protocol === "https:" ? "wss://" : "ws://";
  var fmt = new Intl.DateTimeFormat(document.documentElement.lang || undefined, { timeStyle: "medium" });
  function cell(row, text, cls) {
    var td = document.createElement("td");
    td.textContent = text == null ? "" : String(text);
    if (cls) { td.className = cls; }
    row.appendChild(td);
  }
  function add(msg) {
    var row = document.createElement("tr");
    row.className = "live-event " + (msg.type === "reply" ? "answered" : "dropped");
    row.setAttribute("data-event-id", msg.event_id || "");
    cell(row, fmt.format(msg.produced_at ? new Date(msg.produced_at) : new Date()));
    cell(row, (msg.viewer_name || msg.viewer_id || "") + " (" +
      table.getAttribute(msg.viewer_known ? "data-known" : "data-new") + ")", "viewer");
    cell(row, msg.message, "message");
    cell(row, table.getAttribute(msg.type === "reply" ? "data-answered" : "data-dropped"), "outcome");
    cell(row, msg.reply || msg.reason || "", "reply");
    cell(row, msg.emotion_name || msg.emotion || "", "emotion");
    body.insertBefore(row, body.firstChild);
  }
  status.textContent = status.getAttribute("data-connecting");
  var ws = new WebSocket(scheme + location.host + table.getAttribute("data-live-ws"));
  ws.addEventListener("message", function (ev) {
    var msg = JSON.parse(ev.data);
    if (msg.type === "subscribed") { status.textContent = status.getAttribute("data-open"); }
    if (msg.type === "reply" || msg.type === "event") { add(msg); }
  });
  ws.addEventListener("close", function () { status.textContent = status.getAttribute("data-closed"); });
})();

// The emotion chart: uPlot (vendored) draws the numbers the page carries as JSON; the table below has them too.
(function () {
  var el = document.querySelector("[data-chart]");
  if (!el || !window.uPlot) { return; }
  var data = JSON.parse(document.getElementById(el.getAttribute("data-chart")).textContent);
  var series = [{}].concat(data.series.map(function (s) {
    return { label: s.name, stroke: s.color, width: 2, points: { show: true } };
  }));
  var columns = [data.x].concat(data.series.map(function (s) { return s.values; }));
  var width = Math.max(320, Math.min(el.parentElement.clientWidth, 1100));
  el.chart = new window.uPlot({ width: width, height: 320, series: series,
    scales: { x: { time: true } }, axes: [{}, { label: "" }] }, columns, el);
})();

// The growth chart: memories added per day (or week) and the running total on its own axis, drawn by uPlot.
(function () {
  var el = document.querySelector("[data-growth]");
  if (!el || !window.uPlot) { return; }
  var data = JSON.parse(document.getElementById(el.getAttribute("data-growth")).textContent);
  var width = Math.max(320, Math.min(el.parentElement.clientWidth, 1100));
  function fromZero(u, min, max) { return [0, Math.max(1, max)]; }
  el.chart = new window.uPlot({ width: width, height: 320,
    series: [{}, { label: el.getAttribute("data-added"), stroke: "#0b57d0", width: 2, points: { show: true } },
      { label: el.getAttribute("data-total"), stroke: "#137333", width: 2, scale: "total" }],
    scales: { x: { time: true }, y: { range: fromZero }, total: { range: fromZero } },
    axes: [{}, { label: "" }, { scale: "total", side: 1, grid: { show: false } }] },
    [data.x, data.added, data.total], el);
})();
