// /docs: renders /openapi.json (examples, fields, "try it") and its x-realtime list. No inline code, no CDN.
"use strict";

const $ = (id) => document.getElementById(id);
const STORE = "omoide-docs-credential";

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const kid of kids.flat()) if (kid !== undefined && kid !== null) e.append(kid instanceof Node ? kid : String(kid));
  return e;
}
const pretty = (v) => (typeof v === "string" ? v : JSON.stringify(v, null, 2));
const block = (v) => el("pre", {}, pretty(v));

// -- the pasted key or token ------------------------------------------------------------------------------
function credential() {
  try { return JSON.parse(sessionStorage.getItem(STORE) || "null"); } catch (e) { return null; }
}
function authHeaders() {
  const c = credential();
  if (!c || !c.value) return {};
  return c.kind === "bearer" ? { Authorization: "Bearer " + c.value } : { "X-API-Key": c.value };
}
function showCredential() {
  const c = credential();
  const state = $("cred-state");
  if (!c || !c.value) {
    state.textContent = "No key yet: only the public routes (health, register, login) will answer 200.";
    return;
  }
  const shown = c.value.length > 12 ? c.value.slice(0, 10) + "…" : "…";
  state.textContent = "Requests from this page send " + (c.kind === "bearer" ? "Authorization: Bearer " : "X-API-Key: ") +
    shown + " (kept in this tab only).";
  $("cred-kind").value = c.kind;
}
$("cred-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const value = $("cred").value.trim();
  if (value) sessionStorage.setItem(STORE, JSON.stringify({ kind: $("cred-kind").value, value }));
  $("cred").value = "";
  showCredential();
});
$("cred-forget").addEventListener("click", () => { sessionStorage.removeItem(STORE); showCredential(); });
showCredential();

// -- schemas as field tables ------------------------------------------------------------------------------
function resolve(spec, s, depth = 0) {
  if (!s || depth > 8) return s || {};
  if (s.$ref) return resolve(spec, spec.components.schemas[s.$ref.split("/").pop()], depth + 1);
  return s;
}
function typeName(spec, s) {
  if (!s) return "any";
  if (s.$ref) return s.$ref.split("/").pop();
  if (s.anyOf) {
    const kinds = s.anyOf.filter((b) => b.type !== "null").map((b) => typeName(spec, b));
    return kinds.join(" | ") + (kinds.length < s.anyOf.length ? " | null" : "");
  }
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (s.type === "array") return typeName(spec, s.items) + "[]";
  if (s.type === "object" && !s.properties) return "object";
  return (s.type || "any") + (s.format ? " (" + s.format + ")" : "");
}
function limits(s) {
  const branch = s.anyOf ? s.anyOf.find((b) => b.type !== "null") || s : s;
  const out = [];
  for (const [k, label] of [["minimum", "≥"], ["maximum", "≤"], ["minLength", "min length "], ["maxLength", "max length "],
    ["maxItems", "at most items: "]]) if (branch[k] !== undefined) out.push(label + branch[k]);
  if (s.default !== undefined && s.default !== null) out.push("default " + JSON.stringify(s.default));
  return out.join(", ");
}
function fieldsTable(spec, schema, depth = 0) {
  const s = resolve(spec, schema.type === "array" ? schema.items : schema);
  if (!s.properties) return el("p", { class: "muted" }, typeName(spec, schema));
  const required = new Set(s.required || []);
  const rows = Object.entries(s.properties).map(([name, prop]) => {
    const nested = resolve(spec, prop.type === "array" ? prop.items : prop);
    const inner = depth < 1 && nested.properties && (prop.$ref || (prop.items && prop.items.$ref))
      ? el("details", { class: "fields" }, el("summary", {}, "fields of " + typeName(spec, prop)),
        fieldsTable(spec, prop, depth + 1)) : null;
    return el("tr", {}, el("td", {}, el("code", {}, name)), el("td", {}, typeName(spec, prop)),
      el("td", {}, required.has(name) ? "yes" : ""), el("td", {}, prop.description || "", limits(prop) ? " (" + limits(prop) + ")" : "", inner));
  });
  return el("table", {}, el("tr", {}, el("th", {}, "field"), el("th", {}, "type"), el("th", {}, "required"),
    el("th", {}, "notes")), rows);
}
function firstExample(media) {
  if (!media) return undefined;
  if (media.examples) { const first = Object.values(media.examples)[0]; return first && first.value; }
  return media.example;
}

// -- one operation ----------------------------------------------------------------------------------------
function paramsTable(spec, params) {
  return el("table", {}, el("tr", {}, ["name", "in", "required", "type", "notes", "example"].map((h) => el("th", {}, h))),
    params.map((p) => el("tr", {}, el("td", {}, el("code", {}, p.name)), el("td", {}, p.in), el("td", {}, p.required ? "yes" : ""),
      el("td", {}, typeName(spec, p.schema)), el("td", {}, p.description || "", limits(p.schema || {})),
      el("td", {}, p.example !== undefined ? el("code", {}, String(p.example)) : ""))));
}
function responsesBlock(spec, op) {
  const out = [];
  for (const [code, r] of Object.entries(op.responses)) {
    const media = r.content ? Object.values(r.content)[0] : null;
    const example = firstExample(media);
    if (code < 300) {
      out.push(el("h4", {}, code + " " + r.description), example !== undefined ? block(example) : null);
      if (media && media.schema) out.push(el("details", { class: "fields" }, el("summary", {}, "response fields"), fieldsTable(spec, media.schema)));
    } else {
      out.push(el("div", {}, el("b", {}, code), " ", r.description, example ? el("code", { class: "muted" }, " " + JSON.stringify(example)) : ""));
    }
  }
  return out;
}
function tryIt(op, method, path) {
  const params = op.parameters || [];
  const inputs = params.map((p) => el("input", { "data-name": p.name, "data-in": p.in, value: p.example !== undefined ? String(p.example) : "" }));
  const media = op.requestBody ? op.requestBody.content["application/json"] : null;
  const example = firstExample(media);
  const body = media ? el("textarea", { rows: String(Math.min(18, pretty(example === undefined ? {} : example).split("\n").length + 1)), "aria-label": "request body" }) : null;
  if (body) body.value = pretty(example === undefined ? {} : example);
  const status = el("p", { class: "status" });
  const output = el("pre", { class: "response" }, "");
  output.hidden = true;
  const send = async () => {
    let url = path;
    const query = new URLSearchParams();
    inputs.forEach((input) => {
      const v = input.value;
      if (input.dataset.in === "path") url = url.replace("{" + input.dataset.name + "}", encodeURIComponent(v));
      else if (input.dataset.in === "query" && v !== "") query.append(input.dataset.name, v);
    });
    if ([...query].length) url += "?" + query.toString();
    const headers = authHeaders();
    const init = { method, headers };
    if (body) { headers["Content-Type"] = "application/json"; init.body = body.value; }
    status.className = "status"; status.textContent = method + " " + url + " …";
    try {
      const r = await fetch(url, init);
      const text = await r.text();
      let shown = text;
      try { shown = pretty(JSON.parse(text)); } catch (e) { /* not JSON: JSON lines or Prometheus text */ }
      status.textContent = r.status + " " + r.statusText;
      status.className = "status " + (r.ok ? "ok" : "err");
      output.textContent = shown; output.hidden = false;
    } catch (e) {
      status.textContent = "could not send: " + e; status.className = "status err";
    }
  };
  return el("div", { class: "try" }, el("h4", {}, "Try it"),
    op["x-example-as-user"] ? el("p", { class: "muted" }, "This example was made with a Memory Mesh access token (its tenant is the user's own); with an admin key use a tenant the key reaches.") : null,
    inputs.map((input) => el("label", {}, input.dataset.name + " (" + input.dataset.in + ") ", input)),
    body ? [el("label", {}, "body"), body] : null,
    el("button", { type: "button", class: "send", onclick: send }, "Send"),
    el("div", { class: "result" }, status, output));
}
function renderOp(spec, method, path, op) {
  const M = method.toUpperCase();
  const open = op.security && op.security.length === 0;
  const media = op.requestBody ? op.requestBody.content["application/json"] : null;
  const content = () => el("div", { class: "body" },
    op.description ? el("p", {}, op.description) : null,
    op.parameters ? [el("h4", {}, "Parameters"), paramsTable(spec, op.parameters)] : null,
    media ? [el("h4", {}, "Request body (example)"), block(firstExample(media) ?? {}),
      el("details", { class: "fields" }, el("summary", {}, "request fields"), fieldsTable(spec, media.schema))] : null,
    el("h4", {}, "Responses"), responsesBlock(spec, op), tryIt(op, M, path));
  const details = el("details", { class: "op", id: op.operationId, "data-k": (M + " " + path + " " + (op.summary || "")).toLowerCase() },
    el("summary", {}, el("span", { class: "m " + M }, M), el("span", { class: "p" }, path), el("span", { class: "s" }, op.summary || ""),
      el("span", { class: "lock" }, open ? "public" : "key")));
  let built = false;  // build the body when first opened: 80 operations stay light
  details.addEventListener("toggle", () => { if (details.open && !built) { built = true; details.append(content()); } });
  return details;
}

// -- WebSockets and MCP -----------------------------------------------------------------------------------
function wsTry(route) {
  const path = el("input", { value: route.try_path, "aria-label": "path" });
  const log = el("pre", { class: "response" }, "");
  const status = el("p", { class: "status" });
  let ws = null;
  const connect = () => {
    if (ws) ws.close();
    const c = credential();
    const url = new URL(path.value, location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    if (c && c.value) url.searchParams.set(c.kind === "bearer" ? "token" : "api_key", c.value);
    log.textContent = "";
    ws = new WebSocket(url);
    ws.onopen = () => { status.textContent = "connected"; status.className = "status ok"; };
    ws.onmessage = (e) => { log.textContent += "← " + e.data + "\n"; };
    ws.onclose = (e) => { status.textContent = "closed (" + e.code + (e.reason ? " " + e.reason : "") + ")"; status.className = "status err"; };
  };
  return el("div", { class: "try" }, el("h4", {}, "Try it"), el("label", {}, "path ", path),
    el("button", { type: "button", onclick: connect }, "Connect"),
    el("button", { type: "button", onclick: () => { if (ws) { ws.send("ping"); log.textContent += "→ ping\n"; } } }, "Send ping"),
    el("button", { type: "button", onclick: () => ws && ws.close() }, "Close"), status, log);
}
function renderRealtime(route) {
  const kind = route.protocol === "websocket" ? "WS" : "RPC";
  const messages = (title, list) => [el("h4", {}, title), list.map((m) => [el("p", {}, m.summary), block(m.example)])];
  const details = el("details", { class: "op", "data-k": (route.path + " " + route.summary).toLowerCase() },
    el("summary", {}, el("span", { class: "m " + kind }, kind === "WS" ? "WS" : "POST"), el("span", { class: "p" }, route.path),
      el("span", { class: "s" }, route.summary)),
    el("div", { class: "body" }, el("p", {}, el("b", {}, "Protocol: "), route.protocol), el("p", {}, el("b", {}, "Auth: "), route.auth),
      el("h4", {}, "Connect"), Object.entries(route.connect).map(([lang, code]) => [el("p", { class: "muted" }, lang), block(code)]),
      messages("Client sends", route.client_sends), messages("Server sends", route.server_sends),
      route.notes ? el("p", { class: "muted" }, route.notes) : null, route.try_path ? wsTry(route) : null));
  return details;
}

// -- the page ---------------------------------------------------------------------------------------------
function render(spec) {
  $("title").textContent = spec.info.title + " " + spec.info.version;
  $("desc").textContent = spec.info.description || "";
  const schemes = spec.components.securitySchemes || {};
  $("scheme-list").replaceChildren(el("table", {}, el("tr", {}, el("th", {}, "scheme"), el("th", {}, "header"), el("th", {}, "what")),
    Object.entries(schemes).map(([name, s]) => el("tr", {}, el("td", {}, name), el("td", {}, el("code", {}, s.name || "Authorization: Bearer")),
      el("td", {}, s.description || "")))),
  el("p", { class: "muted" }, "A route takes any one of: ", (spec.security || []).map((req) => Object.keys(req).join(" + ")).join("  |  ")));
  const groups = new Map();
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const tag = (op.tags || ["other"])[0];
      if (!groups.has(tag)) groups.set(tag, []);
      groups.get(tag).push(renderOp(spec, method, path, op));
    }
  }
  const sections = [];
  const toc = [];
  for (const [tag, ops] of groups) {
    const id = "tag-" + tag.toLowerCase().replace(/\W+/g, "-");
    toc.push(el("a", { href: "#" + id }, tag + " (" + ops.length + ")"));
    sections.push(el("h2", { id }, tag), ops);
  }
  toc.push(el("a", { href: "#realtime" }, "WebSockets and MCP"));
  $("toc").replaceChildren(...toc);
  $("ops").replaceChildren(...sections.flat());
  $("realtime-list").replaceChildren(...(spec["x-realtime"] || []).map(renderRealtime));
}
$("q").addEventListener("input", (e) => {
  const q = e.target.value.toLowerCase();
  for (const d of document.querySelectorAll("details.op")) d.style.display = d.dataset.k.includes(q) ? "" : "none";
});
fetch("/openapi.json").then((r) => r.json()).then(render)
  .catch((e) => { $("ops").textContent = "could not load /openapi.json: " + e; });
