// The overlay page's script (served as a file, so a strict Content-Security-Policy needs no inline code).
// It listens to the persona's reply WebSocket and shows the latest reply with the persona's expression.
"use strict";
(function () {
  const body = document.body;
  const persona = body.dataset.persona;
  const base = body.dataset.base;
  const params = new URLSearchParams(window.location.search);
  const key = params.get("api_key") || "";
  const holdMs = Number(params.get("hold") || "0") * 1000;  // ?hold=20 hides a reply after 20 s
  const card = document.getElementById("card");
  const face = document.getElementById("face");
  const viewer = document.getElementById("viewer");
  const reply = document.getElementById("reply");
  const status = document.getElementById("status");
  let wait = 1000;
  let hideTimer = null;

  function show(msg) {
    card.dataset.expression = msg.expression || "neutral";
    card.dataset.emotion = msg.emotion || "";
    face.textContent = msg.expression_face || "";
    viewer.textContent = msg.viewer_name || "";
    viewer.classList.toggle("paid", Boolean(msg.paid));
    reply.textContent = msg.reply || "";
    card.classList.remove("waiting");
    if (hideTimer) { clearTimeout(hideTimer); }
    if (holdMs > 0) { hideTimer = setTimeout(function () { card.classList.add("waiting"); }, holdMs); }
  }

  function connect() {
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    const url = scheme + window.location.host + base + "/" + encodeURIComponent(persona) + "/ws" +
      (key ? "?api_key=" + encodeURIComponent(key) : "");
    const ws = new WebSocket(url);
    ws.addEventListener("open", function () { wait = 1000; status.textContent = "live"; status.className = "status ok"; });
    ws.addEventListener("message", function (e) {
      let msg;
      try { msg = JSON.parse(e.data); } catch (err) { return; }
      if (msg.type === "reply") { show(msg); }
    });
    ws.addEventListener("close", function () {
      status.textContent = "reconnecting…";
      status.className = "status";
      setTimeout(connect, wait);
      wait = Math.min(wait * 2, 30000);
    });
  }
  connect();
})();
