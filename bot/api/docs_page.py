"""/docs: a self-contained page (no CDN, works offline) that renders /openapi.json."""

HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Omoide API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,-apple-system,"Hiragino Sans","Noto Sans JP",sans-serif;
 margin:0;color:#222;background:#fafafa}
header{background:#2b2d42;color:#fff;padding:16px 24px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;opacity:.85}main{max-width:1100px;margin:0 auto;padding:16px 24px}
h2{border-bottom:2px solid #ddd;padding-bottom:4px;margin-top:32px}
details{background:#fff;border:1px solid #e2e2e2;border-radius:6px;margin:8px 0}
summary{cursor:pointer;padding:10px 12px;display:flex;gap:12px;align-items:center}
.m{font-weight:700;font-family:monospace;min-width:64px;text-align:center;border-radius:4px;padding:2px 6px;color:#fff}
.GET{background:#2a9d8f}.POST{background:#457b9d}.DELETE{background:#e63946}.PUT{background:#e9c46a}.PATCH{background:#f4a261}
.p{font-family:monospace;font-size:15px}.s{color:#555}.lock{margin-left:auto;font-size:12px;color:#888}
.body{padding:0 16px 12px}table{border-collapse:collapse;width:100%;font-size:14px}
td,th{border:1px solid #eee;padding:4px 8px;text-align:left;vertical-align:top}
pre{background:#f4f4f4;padding:8px;border-radius:4px;overflow:auto;font-size:12px;max-height:400px}
code{font-family:monospace}#q{width:100%;padding:8px;font-size:15px;margin:8px 0;box-sizing:border-box}
</style></head><body>
<header><h1 id="title">Omoide API</h1><p id="desc"></p></header>
<main><p>Authenticate with <code>X-API-Key: &lt;key&gt;</code> or <code>Authorization: Bearer &lt;token&gt;</code>.
The machine-readable document is <a href="/openapi.json">/openapi.json</a>.</p>
<input id="q" placeholder="filter by path or summary"><div id="ops">loading /openapi.json ...</div></main>
<script>
function esc(s){return String(s).replace(/[&<>"]/g,c=>({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;"}[c]))}
function resolve(spec,s,depth){if(!s||depth>6)return s;if(s.$ref){const n=s.$ref.split("/").pop();
 return resolve(spec,spec.components.schemas[n],depth+1)}const o=Array.isArray(s)?[]:{};
 for(const k in s){o[k]=(typeof s[k]==="object")?resolve(spec,s[k],depth+1):s[k]}return o}
function schemaBlock(spec,s){return "<pre>"+esc(JSON.stringify(resolve(spec,s,0),null,2))+"</pre>"}
function render(spec){document.getElementById("title").textContent=spec.info.title+" "+spec.info.version;
 document.getElementById("desc").textContent=spec.info.description||"";const groups={};
 for(const [path,item] of Object.entries(spec.paths))for(const [method,op] of Object.entries(item)){
  const tag=(op.tags||["other"])[0];(groups[tag]=groups[tag]||[]).push([method.toUpperCase(),path,op])}
 let html="";for(const [tag,ops] of Object.entries(groups)){html+="<h2>"+esc(tag)+"</h2>";
  for(const [m,path,op] of ops){const pub=op.security&&op.security.length===0;
   html+='<details data-k="'+esc((path+" "+op.summary).toLowerCase())+'"><summary><span class="m '+m+'">'+m+
   '</span><span class="p">'+esc(path)+'</span><span class="s">'+esc(op.summary||"")+'</span><span class="lock">'+
   (pub?"public":"auth")+'</span></summary><div class="body">';
   if(op.description)html+="<p>"+esc(op.description)+"</p>";
   if(op.parameters){html+="<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>required</th><th>schema</th></tr>";
    for(const p of op.parameters)html+="<tr><td><code>"+esc(p.name)+"</code></td><td>"+p.in+"</td><td>"+
     (p.required?"yes":"")+
     "</td><td><code>"+esc(JSON.stringify(resolve(spec,p.schema,0)))+"</code></td></tr>";html+="</table>"}
   if(op.requestBody){html+="<h4>Request body</h4>"+schemaBlock(spec,op.requestBody.content["application/json"].schema)}
   html+="<h4>Responses</h4><table>";for(const [code,r] of Object.entries(op.responses)){
    const c=r.content?Object.values(r.content)[0]:null;html+="<tr><td><b>"+code+"</b></td><td>"+esc(r.description)+
    (c&&code<300?schemaBlock(spec,c.schema):"")+"</td></tr>"}html+="</table></div></details>"}}
 document.getElementById("ops").innerHTML=html}
document.getElementById("q").addEventListener("input",e=>{const q=e.target.value.toLowerCase();
 for(const d of document.querySelectorAll("details"))d.style.display=d.dataset.k.includes(q)?"":"none"});
fetch("/openapi.json").then(r=>r.json()).then(render)
 .catch(e=>{document.getElementById("ops").textContent="could not load /openapi.json: "+e});
</script></body></html>
"""
