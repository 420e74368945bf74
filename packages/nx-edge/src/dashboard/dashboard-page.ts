/**
 * The dev dashboard: one static page (no framework, no external requests, works offline) served by
 * the proxy at `/`. It follows one event stream (/__nx-edge/events: status, graph, logs, trace
 * summaries, metrics) and fetches a trace or a service's details when opened. Its actions send the
 * session's dashboard token in a header no cross-site form can set. The page holds no token: it arrives
 * in the link the dev terminal prints (`/?token=…`, Jupyter-style), is kept in sessionStorage and removed
 * from the address bar, so `GET /` hands no token to any local process.
 */
export const dashboardPage = (): string => dashboardHtml;

const dashboardHtml = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>nx-edge dev</title>
<style>
:root{--bg:#0f1115;--panel:#171a21;--line:#262b36;--text:#d8dee9;--muted:#8a93a5;--ok:#3fb950;--warn:#d29922;--bad:#f85149;--accent:#58a6ff}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 ui-sans-serif,system-ui,sans-serif;background:var(--bg);color:var(--text)}
header{padding:.7rem 1.2rem;border-bottom:1px solid var(--line);display:flex;gap:1.2rem;align-items:center;flex-wrap:wrap}
header h1{font-size:1.05rem;margin:0}#summary{color:var(--muted)}
nav{display:flex;gap:.3rem}nav button{background:none;border:1px solid transparent;color:var(--muted);padding:.3rem .8rem;border-radius:6px;cursor:pointer;font:inherit}
nav button.active{color:var(--text);border-color:var(--line);background:var(--panel)}
main{padding:1rem 1.2rem;display:flex;gap:1rem;align-items:flex-start}
#views{flex:1;min-width:0}.view{display:none}.view.active{display:block}
section{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:.8rem;margin-bottom:1rem}
h2{font-size:.95rem;margin:0 0 .6rem}h3{font-size:.85rem;margin:.8rem 0 .4rem;color:var(--muted);font-weight:600}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .55rem;border-bottom:1px solid var(--line);white-space:nowrap}
th{color:var(--muted);font-weight:500}td a,a{color:var(--accent)}tr.click{cursor:pointer}tr.click:hover{background:#1d212a}
.state{font-weight:600}.state-healthy{color:var(--ok)}.state-starting,.state-pending,.state-unhealthy,.state-blocked,.state-stopping{color:var(--warn)}.state-failed,.state-stopped{color:var(--bad)}
.filters{display:flex;gap:.6rem;flex-wrap:wrap;margin-bottom:.6rem;align-items:center}
select,input,button{background:var(--bg);color:var(--text);border:1px solid var(--line);border-radius:5px;padding:.28rem .5rem;font:inherit}
button{cursor:pointer}button:disabled{opacity:.5;cursor:default}
.mono,#log,.waterfall{font:12.5px/1.5 ui-monospace,SFMono-Regular,Menlo,monospace}
#log{max-height:65vh;overflow:auto;white-space:pre-wrap;word-break:break-word}
.line{padding:.05rem 0}.time{color:var(--muted)}.lvl-warn{color:var(--warn)}.lvl-error{color:var(--bad)}.lvl-debug{color:var(--muted)}
.trace{color:var(--accent);cursor:pointer;text-decoration:underline dotted}.fields{color:var(--muted)}
.empty{color:var(--muted)}.remote{color:var(--warn);font-size:.8rem}.err{color:var(--bad)}.muted{color:var(--muted)}
#graph-wrap{overflow:auto;max-height:75vh}svg text{fill:var(--text);font:12px ui-sans-serif,system-ui,sans-serif}
.node rect{fill:#1b1f27;stroke-width:2;rx:8}.node{cursor:pointer}.node:hover rect{fill:#222734}.node .sub{fill:var(--muted);font-size:10.5px}
.node.lib rect{stroke:#4b5263;stroke-dasharray:4 3}.badge circle{fill:var(--warn)}.badge text{fill:#000;font-size:10px;font-weight:700}
.edge path{fill:none;stroke-width:1.6}.edge text{font-size:10px;fill:var(--muted)}
#drawer{width:460px;flex:none;display:none}#drawer td{white-space:normal;word-break:break-word}#drawer.open{display:block}
#drawer .actions{display:flex;gap:.4rem;flex-wrap:wrap;margin:.4rem 0}
.kv td:first-child{color:var(--muted);width:8rem}.kv td{white-space:normal;word-break:break-all}
.metrics{display:grid;grid-template-columns:repeat(5,1fr);gap:.4rem;margin:.4rem 0}.metric{background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:.3rem .45rem}
.metric b{display:block;font-size:1rem}.metric span{color:var(--muted);font-size:.75rem}
.spark{display:block}.spark path{fill:none;stroke:var(--accent);stroke-width:1.5}.spark .p95{stroke:var(--warn)}
.waterfall .span-row{display:grid;grid-template-columns:minmax(16rem,36%) 1fr 5rem;gap:.5rem;align-items:center;padding:.1rem 0;border-bottom:1px solid #1c2029}
.waterfall .bar-track{position:relative;height:14px;background:#12151b;border-radius:3px}
.waterfall .bar{position:absolute;top:1px;height:12px;border-radius:3px;min-width:2px}
.waterfall .span-name{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.waterfall .span-logs{grid-column:1/-1;padding:0 0 .2rem 2rem;color:var(--muted);white-space:pre-wrap}
body.past .actions,body.past button[data-action],body.past #x-send,body.past #r-call{display:none}
.x-grid{display:grid;grid-template-columns:1fr 1fr;gap:.6rem;margin:.4rem 0}.x-grid label{display:flex;flex-direction:column;gap:.2rem;color:var(--muted)}
textarea{background:var(--bg);color:var(--text);border:1px solid var(--line);border-radius:5px;padding:.3rem .5rem;font:12.5px/1.4 ui-monospace,monospace}
#x-resp-body{max-height:40vh;overflow:auto;white-space:pre-wrap;word-break:break-word;margin:.4rem 0}#x-recent .recent{cursor:pointer;padding:.1rem 0}#x-recent .recent:hover{color:var(--accent)}#past-note{color:var(--warn)}
.svc-dot{display:inline-block;width:.6rem;height:.6rem;border-radius:50%;margin-right:.35rem;vertical-align:middle}
</style></head>
<body>
<header><h1>nx-edge dev</h1>
<nav><button type="button" data-tab="graph" id="tab-graph">Graph</button><button type="button" data-tab="services" id="tab-services">Services</button><button type="button" data-tab="traces" id="tab-traces">Traces</button><button type="button" data-tab="logs" id="tab-logs">Logs</button><button type="button" data-tab="explorer" id="tab-explorer">Explorer</button></nav>
<label id="session-pick" hidden>session <select id="session"><option value="">live</option></select></label><span id="past-note" hidden></span>
<span id="summary">connecting…</span><span id="token-note" class="muted" hidden>read-only: actions need the link with <code>?token=…</code> that <code>nx run-many -t dev</code> (or <code>nx-edge status</code>) prints</span></header>
<main>
<div id="views">
<div class="view" id="view-graph"><section><h2>Service graph</h2><div id="graph-wrap"><svg id="graph" xmlns="http://www.w3.org/2000/svg"></svg></div></section></div>
<div class="view" id="view-services"><section><h2>Services</h2>
<table id="services"><thead><tr><th>service</th><th>state</th><th>pid</th><th>port</th><th>health</th><th>uptime</th><th>restarts</th><th>last reload</th><th>req/s</th><th>errors</th><th>p50</th><th>p95</th><th>p99</th><th>last 5 min</th><th></th></tr></thead><tbody></tbody></table>
</section></div>
<div class="view" id="view-traces"><section id="trace-list"><h2>Traces</h2>
<div class="filters"><label>service <select id="t-service"><option value="">all</option></select></label>
<label><input type="checkbox" id="t-errors"> errors only</label><label>search <input id="t-search" placeholder="route or trace id" size="28"></label><span id="t-count" class="muted"></span></div>
<table id="traces"><thead><tr><th>time</th><th>root</th><th>route</th><th>duration</th><th>status</th><th>spans</th><th>services</th></tr></thead><tbody></tbody></table>
</section>
<section id="trace-view" hidden><h2><button type="button" id="trace-back">← traces</button> <span id="trace-title"></span></h2><div id="waterfall" class="waterfall"></div></section></div>
<div class="view" id="view-explorer"><section><h2>API explorer</h2>
<form id="x-form" class="filters"><label>service <select id="x-service"></select></label>
<select id="x-method"><option>GET</option><option>POST</option><option>PUT</option><option>PATCH</option><option>DELETE</option><option>HEAD</option><option>OPTIONS</option></select>
<input id="x-path" value="/" size="48" aria-label="path"><button type="submit" id="x-send">Send</button><span id="x-note" class="muted"></span></form>
<div class="x-grid"><label>headers, one <code>name: value</code> per line<textarea id="x-headers" rows="3"></textarea></label><label>body (JSON)<textarea id="x-body" rows="3"></textarea></label></div>
<h3>RPC</h3><form id="r-form" class="filters"><label>method <select id="r-method"></select></label><label>arguments (a JSON array) <input id="r-args" value="[]" size="40"></label><button type="submit" id="r-call">Call</button><span id="r-note" class="muted"></span></form>
<h3>Recent requests</h3><div id="x-recent" class="mono"><span class="muted">none yet</span></div></section>
<section id="x-result" hidden><h2 id="x-status"></h2><table class="kv" id="x-resp-headers"></table><pre id="x-resp-body" class="mono"></pre>
<h3>Its trace <span id="x-trace-title" class="muted"></span></h3><div id="x-waterfall" class="waterfall"></div></section></div>
<div class="view" id="view-logs"><section><h2>Logs</h2>
<div class="filters">
<label>service <select id="f-service"><option value="">all</option></select></label>
<label>level <select id="f-level"><option value="">all</option><option>debug</option><option>info</option><option>warn</option><option>error</option></select></label>
<label>trace <input id="f-trace" placeholder="trace id" size="34"></label>
<button id="f-clear" type="button">clear filters</button>
</div>
<div id="log"></div>
</section></div>
</div>
<aside id="drawer"><section><h2><span id="d-name"></span> <span id="d-state" class="state"></span> <button type="button" id="d-close" style="float:right">×</button></h2>
<div class="actions"><button type="button" data-action="restart">restart</button><button type="button" data-action="reload">reload now</button><button type="button" data-action="stop">stop</button><button type="button" data-action="start">start</button></div>
<div id="d-message" class="muted"></div>
<h3>Metrics</h3><div class="metrics" id="d-metrics"></div><div id="d-charts"></div>
<h3>Details</h3><table class="kv" id="d-details"></table>
<h3>Bindings</h3><table id="d-bindings"><thead><tr><th>binding</th><th>kind</th><th>locally</th></tr></thead><tbody></tbody></table>
<h3>Vars</h3><table id="d-vars"><thead><tr><th>name</th><th>value</th></tr></thead><tbody></tbody></table>
<h3>Recent traces</h3><table id="d-traces"><tbody></tbody></table>
<h3>Logs</h3><div id="d-logs" class="mono"></div>
</section></aside>
</main>
<script>
(function(){
  'use strict';
  var token=(function(){var key='nx-edge-token',params=new URLSearchParams(location.search),given=params.get('token');
    if(given){try{sessionStorage.setItem(key,given)}catch(e){}params.delete('token');var rest=params.toString();history.replaceState(null,'',location.pathname+(rest?'?'+rest:'')+location.hash);return given}
    try{return sessionStorage.getItem(key)||''}catch(e){return ''}})();
  if(!token)document.getElementById('token-note').hidden=false;
  var $=function(id){return document.getElementById(id)};
  var S={status:[],graph:{nodes:[],edges:[]},metrics:{},logs:[],traces:{},order:[],traceCount:0,tab:'graph',drawer:null,trace:null,past:null};
  var LEVELS=['debug','info','warn','error'],MAXLOGS=5000,MAXTRACES=10000,SVG='http://www.w3.org/2000/svg';
  var dirty={};
  function text(tag,cls,t){var e=document.createElement(tag);if(cls)e.className=cls;if(t!==undefined&&t!==null)e.textContent=t;return e}
  function svg(tag,attrs){var e=document.createElementNS(SVG,tag);for(var k in attrs)e.setAttribute(k,attrs[k]);return e}
  function pad(n,w){n=String(n);while(n.length<(w||2))n='0'+n;return n}
  function clock(t){var d=new Date(t);return pad(d.getHours())+':'+pad(d.getMinutes())+':'+pad(d.getSeconds())+'.'+pad(d.getMilliseconds(),3)}
  function ms(v){return v>=1000?(v/1000).toFixed(2)+' s':Math.round(v)+' ms'}
  function hue(s){var h=0;for(var i=0;i<s.length;i++)h=(h*31+s.charCodeAt(i))>>>0;return h%360}
  function colour(s){return 'hsl('+hue(s)+',62%,62%)'}
  function stateColour(st){return st==='healthy'?'#3fb950':st==='failed'||st==='stopped'?'#f85149':st?'#d29922':'#4b5263'}
  function uptime(s){if(!s.startedAt||s.state==='stopped'||s.state==='failed')return '';var sec=Math.max(0,Math.round((Date.now()-s.startedAt)/1000));
    return sec<60?sec+'s':sec<3600?Math.floor(sec/60)+'m '+(sec%60)+'s':Math.floor(sec/3600)+'h '+Math.floor(sec%3600/60)+'m'}
  function statusOf(name){for(var i=0;i<S.status.length;i++)if(S.status[i].service===name)return S.status[i]}
  function mark(){for(var i=0;i<arguments.length;i++)dirty[arguments[i]]=true;if(mark.pending)return;mark.pending=true;requestAnimationFrame(function(){mark.pending=false;render()})}
  function render(){var d=dirty;dirty={};
    if(d.summary){var healthy=S.status.filter(function(s){return s.state==='healthy'}).length;$('summary').textContent=S.status.length+' services, '+healthy+' healthy · '+S.traceCount+' traces'}
    if(d.options)fillOptions();
    if(S.tab==='graph'&&(d.graph||d.status||d.metrics))renderGraph();
    if(S.tab==='services'&&(d.status||d.metrics))renderServices();
    if(S.tab==='traces'&&!S.trace&&d.traces)renderTraces();
    if(S.tab==='logs'&&(d.logs||d.logsFull))renderLogs(d.logsFull);
    if(S.drawer&&(d.status||d.metrics||d.drawer||d.logs||d.traces))renderDrawer(d.drawer)}
  // ---- tabs
  function show(tab){S.tab=tab;['graph','services','traces','logs','explorer'].forEach(function(t){$('view-'+t).classList.toggle('active',t===tab);$('tab-'+t).classList.toggle('active',t===tab)});
    if(location.hash!=='#'+tab&&!(tab==='traces'&&S.trace))history.replaceState(null,'','#'+tab);mark('graph','status','traces','logsFull','metrics')}
  document.querySelector('nav').addEventListener('click',function(e){var b=e.target.closest('button[data-tab]');if(b){if(b.dataset.tab==='traces')closeTrace();show(b.dataset.tab)}});
  // ---- graph: layered left to right (callers left of what they call), readable at 30+ services
  function layout(nodes,edges){var depth={},i,changed=true,guard=0;nodes.forEach(function(n){depth[n.id]=0});
    while(changed&&guard++<nodes.length+2){changed=false;edges.forEach(function(e){if(depth[e.to]!==undefined&&depth[e.from]!==undefined&&depth[e.to]<depth[e.from]+1&&depth[e.from]+1<nodes.length){depth[e.to]=depth[e.from]+1;changed=true}})}
    var cols=[];nodes.forEach(function(n){(cols[depth[n.id]]=cols[depth[n.id]]||[]).push(n)});
    var pos={},W=190,H=48,GX=110,GY=22;
    cols.forEach(function(col,c){if(!col)return;if(c>0)col.sort(function(a,b){return bary(a)-bary(b)});col.forEach(function(n,r){pos[n.id]={x:20+c*(W+GX),y:20+r*(H+GY),w:W,h:H,row:r}})});
    function bary(n){var ys=edges.filter(function(e){return e.to===n.id&&pos[e.from]}).map(function(e){return pos[e.from].row});return ys.length?ys.reduce(function(a,b){return a+b},0)/ys.length:99}
    return pos}
  var EDGE_COLOURS={service:'#58a6ff',queue:'#f0883e',tail:'#bc8cff',durable_object:'#39c5cf',workflow:'#f778ba',import:'#6e7681',depends:'#8a93a5'};
  function renderGraph(){var g=$('graph');g.textContent='';var nodes=S.graph.nodes,edges=S.graph.edges;
    if(!nodes.length){var t=svg('text',{x:20,y:30});t.textContent='no services yet';g.appendChild(t);g.setAttribute('width',300);g.setAttribute('height',60);return}
    var pos=layout(nodes,edges),maxX=0,maxY=0;for(var k in pos){maxX=Math.max(maxX,pos[k].x+pos[k].w);maxY=Math.max(maxY,pos[k].y+pos[k].h)}
    g.setAttribute('width',maxX+30);g.setAttribute('height',maxY+30);g.setAttribute('viewBox','0 0 '+(maxX+30)+' '+(maxY+30));
    var defs=svg('defs',{});Object.keys(EDGE_COLOURS).forEach(function(kind){var m=svg('marker',{id:'arrow-'+kind,viewBox:'0 0 10 10',refX:9,refY:5,markerWidth:7,markerHeight:7,orient:'auto-start-reverse'});m.appendChild(svg('path',{d:'M0,0 L10,5 L0,10 z',fill:EDGE_COLOURS[kind]}));defs.appendChild(m)});g.appendChild(defs);
    edges.forEach(function(e,i){var a=pos[e.from],b=pos[e.to];if(!a||!b)return;var ge=svg('g',{'class':'edge','data-from':e.from,'data-to':e.to,'data-kind':e.kind});
      var x1=a.x+a.w,y1=a.y+a.h/2,x2=b.x,y2=b.y+b.h/2;if(b.x<=a.x){x1=a.x+a.w/2;y1=a.y+a.h;x2=b.x+b.w/2;y2=b.y}
      var dx=Math.max(40,Math.abs(x2-x1)/2),p=svg('path',{d:'M'+x1+','+y1+' C'+(x1+dx)+','+y1+' '+(x2-dx)+','+y2+' '+x2+','+y2,stroke:EDGE_COLOURS[e.kind]||'#8a93a5','marker-end':'url(#arrow-'+(EDGE_COLOURS[e.kind]?e.kind:'depends')+')'});
      if(e.kind==='import')p.setAttribute('stroke-dasharray','4 3');ge.appendChild(p);
      var lt=svg('text',{x:(x1+x2)/2,y:(y1+y2)/2-4+(i%2)*12,'text-anchor':'middle'});lt.textContent=e.label;ge.appendChild(lt);g.appendChild(ge)});
    nodes.forEach(function(n){var p=pos[n.id],st=statusOf(n.id),m=S.metrics[n.id];var gn=svg('g',{'class':'node '+n.kind,'data-service':n.id,'data-state':st?st.state:'lib',transform:'translate('+p.x+','+p.y+')'});
      gn.appendChild(svg('rect',{width:p.w,height:p.h,rx:8,stroke:n.kind==='lib'?'#4b5263':stateColour(st&&st.state)}));
      var t=svg('text',{x:12,y:19});t.textContent=n.id.length>20?n.id.slice(0,19)+'…':n.id;gn.appendChild(t);
      var sub=svg('text',{x:12,y:36,'class':'sub'});sub.textContent=n.kind==='lib'?'lib':st&&st.state!=='healthy'?st.state:m&&m.count?m.rps+' req/s · p95 '+ms(m.p95)+(m.errorRate?' · '+(m.errorRate*100).toFixed(0)+'% err':''):(st?st.state:'');gn.appendChild(sub);
      if(st&&st.restarts>0){var bd=svg('g',{'class':'badge',transform:'translate('+(p.w-4)+',4)'});bd.appendChild(svg('circle',{r:9}));var bt=svg('text',{'text-anchor':'middle',y:4});bt.textContent=String(st.restarts);bd.appendChild(bt);var ti=svg('title',{});ti.textContent=st.restarts+' restarts';bd.appendChild(ti);gn.appendChild(bd)}
      g.appendChild(gn)})}
  $('graph').addEventListener('click',function(e){var n=e.target.closest('g.node');if(n&&!n.classList.contains('lib'))openDrawer(n.dataset.service)});
  // ---- services table with metrics
  function spark(series,key,cls){var w=120,h=26,max=1;series.forEach(function(b){max=Math.max(max,b[key])});var d='';series.forEach(function(b,i){d+=(i?'L':'M')+(i*(w/(series.length-1||1))).toFixed(1)+','+(h-2-(b[key]/max)*(h-4)).toFixed(1)});
    var s=svg('svg',{width:w,height:h,'class':'spark'});s.appendChild(svg('path',{d:d,'class':cls||''}));return s}
  function renderServices(){var body=document.querySelector('#services tbody');body.textContent='';
    S.status.forEach(function(s){var tr=text('tr','click');tr.dataset.service=s.service;var m=S.metrics[s.service]||{};
      var name=text('td','svc');var a=text('a','',s.service);a.href='http://'+((s.hosts&&s.hosts[0])||s.service)+'.localhost:'+location.port+'/';name.appendChild(a);
      if(s.remoteOnly&&s.remoteOnly.length)name.appendChild(text('div','remote','remote-only, not bound locally: '+s.remoteOnly.join(', ')));tr.appendChild(name);
      tr.appendChild(text('td','state state-'+s.state,s.state+(s.state==='failed'&&s.exitCode!==undefined?' ('+s.exitCode+')':'')));
      [s.pid,s.port,s.health,uptime(s),s.restarts,s.lastReloadMs!==undefined?ms(s.lastReloadMs):'',m.count?m.rps:'',m.count?(m.errorRate*100).toFixed(1)+'%':'',m.count?ms(m.p50):'',m.count?ms(m.p95):'',m.count?ms(m.p99):''].forEach(function(v){tr.appendChild(text('td','',v===undefined||v===null?'':String(v)))});
      var chart=text('td');if(m.series)chart.appendChild(spark(m.series,'requests'));tr.appendChild(chart);
      var act=text('td','actions');var btn=text('button','restart','restart');btn.type='button';btn.dataset.service=s.service;btn.dataset.action='restart';act.appendChild(btn);tr.appendChild(act);body.appendChild(tr)})}
  $('services').addEventListener('click',function(e){var b=e.target.closest('button[data-action]');if(b){e.stopPropagation();act(b.dataset.service,b.dataset.action,b);return}
    if(e.target.closest('a'))return;var tr=e.target.closest('tr[data-service]');if(tr)openDrawer(tr.dataset.service)});
  function act(service,action,button){if(button)button.disabled=true;
    return fetch('/__nx-edge/services/'+encodeURIComponent(service)+'/'+action,{method:'POST',headers:{'x-nx-edge-token':token}}).then(function(r){if(r.status===403)$('token-note').hidden=false;return r.json()}).then(function(body){
      if(S.drawer===service)$('d-message').textContent=body.message||body.detail||body.error||''}).finally(function(){if(button)button.disabled=false})}
  // ---- traces
  function addTrace(t,counted){if(!S.traces[t.traceId]){if(!counted)S.traceCount++;S.order.push(t.traceId);if(S.order.length>MAXTRACES)delete S.traces[S.order.shift()]}S.traces[t.traceId]=t}
  function matchingTraces(service,errors,search,limit){var out=[];for(var i=S.order.length-1;i>=0&&out.length<limit;i--){var t=S.traces[S.order[i]];
      if(service&&t.services.indexOf(service)<0)continue;if(errors&&!t.error)continue;if(search&&t.route.toLowerCase().indexOf(search)<0&&t.traceId.indexOf(search)<0)continue;out.push(t)}return out}
  function traceRow(t){var tr=text('tr','click');tr.dataset.trace=t.traceId;tr.appendChild(text('td','time',clock(t.start)));
    var root=text('td');var dot=text('span','svc-dot');dot.style.background=colour(t.rootService);root.appendChild(dot);root.appendChild(document.createTextNode(t.rootService));tr.appendChild(root);
    tr.appendChild(text('td','',t.route));tr.appendChild(text('td','',ms(t.durationMs)));tr.appendChild(text('td',t.error?'err':'',t.status===undefined?(t.error?'error':''):String(t.status)));
    tr.appendChild(text('td','',String(t.spanCount)));tr.appendChild(text('td','muted',t.services.join(', ')));return tr}
  // No filter: the live list. A filter asks the hub, which holds every trace (the page only the newest).
  var traceQuery=0;
  function renderTraces(){var service=$('t-service').value,errors=$('t-errors').checked,search=$('t-search').value.trim().toLowerCase();
    if(!service&&!errors&&!search)return drawTraces(matchingTraces('',false,'',200));
    var q=++traceQuery;fetch(base()+'/traces?limit=200&service='+encodeURIComponent(service)+(errors?'&errors=1':'')+'&q='+encodeURIComponent(search)).then(function(r){return r.json()}).then(function(list){if(q===traceQuery)drawTraces(list)})}
  function drawTraces(list){var started=performance.now();var body=document.querySelector('#traces tbody');body.textContent='';
    var frag=document.createDocumentFragment();list.forEach(function(t){frag.appendChild(traceRow(t))});body.appendChild(frag);
    if(!list.length){var tr=text('tr');var td=text('td','empty','no traces match: send a request to a service (http://<service>.localhost:'+location.port+'/)');td.colSpan=7;tr.appendChild(td);body.appendChild(tr)}
    $('t-count').textContent='showing '+list.length+' of '+S.traceCount+' kept by the hub';window.__nxEdgeTraceRenderMs=performance.now()-started}
  $('traces').addEventListener('click',function(e){var tr=e.target.closest('tr[data-trace]');if(tr)openTrace(tr.dataset.trace)});
  ['t-service','t-errors'].forEach(function(id){$(id).addEventListener('change',function(){mark('traces')})});$('t-search').addEventListener('input',function(){mark('traces')});
  function openTrace(id){S.trace=id;show('traces');$('trace-list').hidden=true;$('trace-view').hidden=false;$('waterfall').textContent='loading…';history.replaceState(null,'','#trace/'+id);
    fetch(base()+'/traces/'+id).then(function(r){return r.json()}).then(function(data){if(S.trace===id)renderWaterfall(data,$('waterfall'),$('trace-title'))})}
  function closeTrace(){S.trace=null;$('trace-list').hidden=false;$('trace-view').hidden=true;mark('traces')}
  $('trace-back').addEventListener('click',function(){closeTrace();history.replaceState(null,'','#traces')});
  function renderWaterfall(data,w,title){w.textContent='';if(!data.spans){w.textContent=data.error||'no such trace';return}
    var spans=data.spans,ids={},children={},roots=[];spans.forEach(function(s){ids[s.spanId]=s});
    spans.forEach(function(s){if(s.parentSpanId&&ids[s.parentSpanId])(children[s.parentSpanId]=children[s.parentSpanId]||[]).push(s);else roots.push(s)});
    var t0=Math.min.apply(null,spans.map(function(s){return s.start})),t1=Math.max.apply(null,spans.map(function(s){return s.start+s.durationMs})),total=Math.max(1,t1-t0);
    var services={};spans.forEach(function(s){services[s.service]=1});
    title.textContent='trace '+data.traceId+' · '+ms(t1-t0)+' · '+spans.length+' spans · '+Object.keys(services).join(', ');
    var bySpan={},loose=[];(data.logs||[]).forEach(function(l){if(l.span_id&&ids[l.span_id])(bySpan[l.span_id]=bySpan[l.span_id]||[]).push(l);else loose.push(l)});
    function row(s,depth){var r=text('div','span-row');r.dataset.span=s.spanId;r.dataset.parent=s.parentSpanId||'';r.dataset.service=s.service;r.dataset.start=s.start;r.dataset.duration=s.durationMs;r.dataset.depth=depth;
      var name=text('div','span-name');name.style.paddingLeft=(depth*1.1)+'rem';var dot=text('span','svc-dot');dot.style.background=colour(s.service);name.appendChild(dot);
      name.appendChild(text('span','',s.service+' '));name.appendChild(text('span','muted',s.kind+' '));name.appendChild(text('span',s.error?'err':'',s.name));name.title=s.service+' '+s.kind+' '+s.name;r.appendChild(name);
      var track=text('div','bar-track'),bar=text('div','bar');bar.style.left=((s.start-t0)/total*100).toFixed(2)+'%';bar.style.width=Math.max(0.4,s.durationMs/total*100).toFixed(2)+'%';bar.style.background=s.error?'#f85149':colour(s.service);
      bar.title=ms(s.durationMs)+(s.status!==undefined?' · '+s.status:'');track.appendChild(bar);r.appendChild(track);r.appendChild(text('div','',ms(s.durationMs)+(s.status!==undefined?' '+s.status:'')));
      w.appendChild(r);var logs=bySpan[s.spanId];if(logs){var box=text('div','span-logs');box.textContent=logs.map(function(l){return clock(l.time)+' '+l.level+' '+l.message}).join('\\n');r.appendChild(box)}
      (children[s.spanId]||[]).sort(function(a,b){return a.start-b.start}).forEach(function(c){row(c,depth+1)})}
    roots.sort(function(a,b){return a.start-b.start}).forEach(function(s){row(s,0)});
    if(loose.length){w.appendChild(text('h3','','other log lines of this trace'));var box=text('div','span-logs');box.textContent=loose.map(function(l){return clock(l.time)+' ['+l.service+'] '+l.level+' '+l.message}).join('\\n');w.appendChild(box)}}
  // ---- logs
  function matches(r){var fs=$('f-service').value,fl=$('f-level').value,ft=$('f-trace').value.trim().toLowerCase();
    if(fs&&r.service!==fs)return false;if(fl&&LEVELS.indexOf(r.level)<LEVELS.indexOf(fl))return false;if(ft&&r.trace_id!==ft)return false;return true}
  function lineFor(r){var d=text('div','line lvl-'+r.level);d.dataset.service=r.service;d.dataset.level=r.level;if(r.trace_id)d.dataset.trace=r.trace_id;
    d.appendChild(text('span','time',clock(r.time)+' '));var s=text('span','svc','['+r.service+'] ');s.style.color=colour(r.service);d.appendChild(s);
    d.appendChild(text('span','lvl',r.level+' '));d.appendChild(text('span','msg',r.message));
    if(r.fields){var f=Object.keys(r.fields).map(function(k){var v=r.fields[k];return k+'='+(typeof v==='string'?v:JSON.stringify(v))}).join(' ');if(f)d.appendChild(text('span','fields',' '+f))}
    if(r.trace_id){d.appendChild(document.createTextNode(' '));var tr=text('span','trace','trace='+r.trace_id);tr.dataset.trace=r.trace_id;tr.title='show only this trace';d.appendChild(tr)}return d}
  // Appends only what arrived since the last render (a stream of 50 lines/s stays smooth); a filter change redraws.
  var logSeq=0,renderedSeq=-1,MAXSHOWN=800;
  function renderLogs(full){var el=$('log');var atBottom=el.scrollTop+el.clientHeight>=el.scrollHeight-20;
    if(full||renderedSeq<0){el.textContent='';var shown=S.logs.filter(matches).slice(-MAXSHOWN);var frag=document.createDocumentFragment();shown.forEach(function(r){frag.appendChild(lineFor(r))});el.appendChild(frag)}
    else{var frag2=document.createDocumentFragment();for(var i=S.logs.length-1;i>=0&&S.logs[i]._seq>renderedSeq;i--);for(i++;i<S.logs.length;i++)if(matches(S.logs[i]))frag2.appendChild(lineFor(S.logs[i]));
      var empty=el.querySelector('.empty');if(empty&&frag2.childNodes.length)empty.remove();el.appendChild(frag2);while(el.childNodes.length>MAXSHOWN)el.removeChild(el.firstChild)}
    if(!el.querySelector('.line')&&!el.querySelector('.empty'))el.appendChild(text('div','empty','no log lines match'));
    renderedSeq=S.logs.length?S.logs[S.logs.length-1]._seq:-1;if(atBottom)el.scrollTop=el.scrollHeight}
  $('log').addEventListener('click',function(e){var t=e.target.closest('.trace');if(!t)return;$('f-trace').value=t.dataset.trace;mark('logsFull')});
  ['f-service','f-level'].forEach(function(id){$(id).addEventListener('change',function(){mark('logsFull')})});$('f-trace').addEventListener('input',function(){mark('logsFull')});
  $('f-clear').addEventListener('click',function(){$('f-service').value='';$('f-level').value='';$('f-trace').value='';mark('logsFull')});
  var known={};function fillOptions(){var had=$('x-service').options.length;S.status.forEach(function(s){if(known[s.service])return;known[s.service]=1;['f-service','t-service','x-service'].forEach(function(id){var o=text('option','',s.service);o.value=s.service;$(id).appendChild(o)})});if(!had&&$('x-service').options.length&&!S.past)loadMethods()}
  // ---- API explorer: the hub sends the request through the proxy (the page cannot read another origin's
  // answer) and returns it with the trace id it produced; the last 20 requests are kept in this tab.
  var RECENT='nx-edge-explorer';
  function recent(){try{return JSON.parse(sessionStorage.getItem(RECENT)||'[]')}catch(e){return []}}
  function drawRecent(){var box=$('x-recent'),list=recent();box.textContent='';if(!list.length){box.appendChild(text('span','muted','none yet'));return}
    list.forEach(function(r,i){var d=text('div','recent',r.method+' '+r.service+' '+r.path+(r.status?' → '+r.status:''));d.dataset.index=i;box.appendChild(d)})}
  $('x-recent').addEventListener('click',function(e){var d=e.target.closest('.recent');if(!d)return;var r=recent()[+d.dataset.index];if(!r)return;
    $('x-service').value=r.service;if(r.rpc){$('r-args').value=r.args||'[]';loadMethods();setTimeout(function(){$('r-method').value=r.rpc},300);return}
    $('x-method').value=r.method;$('x-path').value=r.path;$('x-headers').value=r.headers||'';$('x-body').value=r.body||'';loadMethods()});
  function parseHeaders(textValue){var out={};textValue.split('\\n').forEach(function(line){var i=line.indexOf(':');if(i>0)out[line.slice(0,i).trim()]=line.slice(i+1).trim()});return out}
  $('x-form').addEventListener('submit',function(e){e.preventDefault();var service=$('x-service').value,method=$('x-method').value,path=$('x-path').value||'/',hv=$('x-headers').value,body=$('x-body').value;
    if(!service){$('x-note').textContent='choose a service';return}if(path.charAt(0)!=='/')path='/'+path;
    var headers=parseHeaders(hv);if(body&&!Object.keys(headers).some(function(k){return k.toLowerCase()==='content-type'}))headers['content-type']='application/json';
    if(body&&method!=='GET'&&method!=='HEAD'){try{JSON.parse(body);$('x-note').textContent=''}catch(err){$('x-note').textContent='the body is not JSON: sent as written'}}
    $('x-send').disabled=true;
    fetch('/__nx-edge/services/'+encodeURIComponent(service)+'/request',{method:'POST',headers:{'x-nx-edge-token':token,'content-type':'application/json'},body:JSON.stringify({method:method,path:path,headers:headers,body:body||undefined})})
      .then(function(r){if(r.status===403)$('token-note').hidden=false;return r.json()}).then(function(a){
        var list=recent();list.unshift({service:service,method:method,path:path,headers:hv,body:body,status:a.status});try{sessionStorage.setItem(RECENT,JSON.stringify(list.slice(0,20)))}catch(err){}drawRecent();
        $('x-result').hidden=false;if(a.error){$('x-status').textContent=a.error;$('x-resp-headers').textContent='';$('x-resp-body').textContent='';$('x-waterfall').textContent='';return}
        $('x-status').textContent=method+' '+path+' → '+a.status+' · '+ms(a.durationMs)+' · trace '+a.traceId;
        var kv=$('x-resp-headers');kv.textContent='';Object.keys(a.headers).forEach(function(k){kvRow(kv,k,a.headers[k])});
        var shown=a.body;try{shown=JSON.stringify(JSON.parse(a.body),null,2)}catch(err){}$('x-resp-body').textContent=shown+(a.truncatedBytes?'\\n… '+a.truncatedBytes+' more bytes not shown':'');
        followTrace(a.traceId,0,-1)}).finally(function(){$('x-send').disabled=false})});
  // The Workers' spans arrive just after the answer: asked again until the span count stops growing.
  function followTrace(id,tries,lastCount){fetch('/__nx-edge/traces/'+id).then(function(r){return r.json()}).then(function(data){
    var count=data.spans?data.spans.length:0;if(count)renderWaterfall(data,$('x-waterfall'),$('x-trace-title'));else $('x-waterfall').textContent='waiting for its spans…';
    if(tries<12&&(count===0||count!==lastCount))setTimeout(function(){followTrace(id,tries+1,count)},250)})}
  // RPC: the service's WorkerEntrypoint classes and their methods, asked of its dev shell through the hub.
  function loadMethods(){var service=$('x-service').value,sel=$('r-method');sel.textContent='';$('r-note').textContent='';if(!service)return;
    fetch('/__nx-edge/services/'+encodeURIComponent(service)+'/rpc').then(function(r){return r.json()}).then(function(d){if($('x-service').value!==service)return;
      (d.entrypoints||[]).forEach(function(e){e.methods.forEach(function(m){var o=text('option','',e.entrypoint+'.'+m+'()');o.value=e.entrypoint+'.'+m;sel.appendChild(o)})});
      $('r-call').disabled=!sel.options.length;$('r-note').textContent=sel.options.length?'':(d.error||'no WorkerEntrypoint methods to call')})}
  $('x-service').addEventListener('change',loadMethods);
  $('r-form').addEventListener('submit',function(e){e.preventDefault();var service=$('x-service').value,picked=$('r-method').value,args;if(!picked)return;
    try{args=JSON.parse($('r-args').value||'[]');if(!Array.isArray(args))throw new Error('not an array')}catch(err){$('r-note').textContent='arguments must be a JSON array, e.g. ["7", {"full": true}]';return}
    var dot=picked.indexOf('.'),entrypoint=picked.slice(0,dot),method=picked.slice(dot+1);$('r-note').textContent='';$('r-call').disabled=true;
    fetch('/__nx-edge/services/'+encodeURIComponent(service)+'/rpc',{method:'POST',headers:{'x-nx-edge-token':token,'content-type':'application/json'},body:JSON.stringify({entrypoint:entrypoint,method:method,args:args})})
      .then(function(r){if(r.status===403)$('token-note').hidden=false;return r.json()}).then(function(a){
        var list=recent();list.unshift({service:service,method:'RPC',path:picked+'()',rpc:picked,args:$('r-args').value,status:a.error||a.thrown?'error':'ok'});try{sessionStorage.setItem(RECENT,JSON.stringify(list.slice(0,20)))}catch(err){}drawRecent();
        $('x-result').hidden=false;$('x-resp-headers').textContent='';
        var outcome=a.error?a.error:a.thrown?'threw: '+a.thrown:a.notJson?a.notJson:'ok';
        $('x-status').textContent='RPC '+picked+'() → '+outcome+(a.durationMs!==undefined?' · '+ms(a.durationMs):'')+(a.traceId?' · trace '+a.traceId:'');
        $('x-resp-body').textContent='result' in a?JSON.stringify(a.result,null,2):'';if(a.traceId)followTrace(a.traceId,0,-1);else $('x-waterfall').textContent=''}).finally(function(){$('r-call').disabled=false})});
  drawRecent();
  // ---- details drawer
  function openDrawer(name){S.drawer=name;S.details=null;$('drawer').classList.add('open');$('d-message').textContent='';loadDetails();mark('drawer')}
  function loadDetails(){var name=S.drawer;if(S.past)return;fetch('/__nx-edge/services/'+encodeURIComponent(name)).then(function(r){return r.json()}).then(function(d){if(S.drawer===name){S.details=d;mark('drawer')}})}
  $('d-close').addEventListener('click',function(){S.drawer=null;$('drawer').classList.remove('open')});
  $('drawer').querySelector('.actions').addEventListener('click',function(e){var b=e.target.closest('button[data-action]');if(b&&S.drawer)act(S.drawer,b.dataset.action,b)});
  function kvRow(table,k,v,href){var tr=text('tr');tr.appendChild(text('td','',k));var td=text('td');if(href){var a=text('a','',v);a.href=href;a.target='_blank';a.rel='noopener';td.appendChild(a)}else td.textContent=v;tr.appendChild(td);table.appendChild(tr)}
  function renderDrawer(full){var name=S.drawer,st=statusOf(name)||{},m=S.metrics[name]||{count:0};$('d-name').textContent=name;var ds=$('d-state');ds.textContent=st.state||'';ds.className='state state-'+st.state;
    var mt=$('d-metrics');mt.textContent='';[['req/s',m.count?m.rps:'–'],['errors',m.count?(m.errorRate*100).toFixed(1)+'%':'–'],['p50',m.count?ms(m.p50):'–'],['p95',m.count?ms(m.p95):'–'],['p99',m.count?ms(m.p99):'–']].forEach(function(x){var d=text('div','metric');d.appendChild(text('b','',String(x[1])));d.appendChild(text('span','',x[0]));mt.appendChild(d)});
    var ch=$('d-charts');ch.textContent='';if(m.series){ch.appendChild(text('span','muted','requests / 10 s · p95 (last 5 min) · restarts: '+(st.restarts||0)+(st.lastReloadMs!==undefined?' · last reload '+ms(st.lastReloadMs):'')));ch.appendChild(spark(m.series,'requests'));ch.appendChild(spark(m.series,'p95','p95'))}
    var d=S.details;if(d){var kv=$('d-details');kv.textContent='';kvRow(kv,'kind',d.kind);kvRow(kv,'root',d.root);if(d.configPath)kvRow(kv,'config',d.configPath);if(d.environment)kvRow(kv,'env',d.environment);
      if(d.workerName)kvRow(kv,'worker name',d.workerName);if(d.command)kvRow(kv,'command',d.command);kvRow(kv,'proxy',d.proxyUrl,d.proxyUrl+'/');if(st.url||d.url)kvRow(kv,'direct',st.url||d.url);if(st.port||d.port)kvRow(kv,'port',String(st.port||d.port));
      if(st.pid)kvRow(kv,'pid',String(st.pid));if(d.upstream.length)kvRow(kv,'upstream',d.upstream.join(', '));if(d.libs.length)kvRow(kv,'libs',d.libs.join(', '));
      var bt=document.querySelector('#d-bindings tbody');bt.textContent='';d.bindings.forEach(function(b){var tr=text('tr');tr.dataset.binding=b.name;tr.appendChild(text('td','',b.name));tr.appendChild(text('td','muted',b.kind));tr.appendChild(text('td',b.remoteOnly?'remote':'',b.local));bt.appendChild(tr)});
      if(!d.bindings.length)bt.appendChild(text('tr','empty','none'));
      var vt=document.querySelector('#d-vars tbody');vt.textContent='';d.vars.forEach(function(v){var tr=text('tr','var');tr.dataset.name=v.name;tr.appendChild(text('td','',v.name));tr.appendChild(text('td',v.secret?'muted':'',v.value+(v.secret?' (secret, .dev.vars)':'')));vt.appendChild(tr)});
      if(!d.vars.length)vt.appendChild(text('tr','empty','none'))}
    var tt=$('d-traces').querySelector('tbody');tt.textContent='';matchingTraces(name,false,'',8).forEach(function(t){tt.appendChild(traceRow(t))});
    var lg=$('d-logs');lg.textContent='';S.logs.filter(function(r){return r.service===name}).slice(-60).forEach(function(r){lg.appendChild(lineFor(r))})}
  $('d-traces').addEventListener('click',function(e){var tr=e.target.closest('tr[data-trace]');if(tr)openTrace(tr.dataset.trace)});
  // ---- the one event stream
  function setMetrics(list){S.metrics={};list.forEach(function(m){S.metrics[m.service]=m})}
  var es=null;
  function connect(){es=new EventSource('/__nx-edge/events');
    es.addEventListener('snapshot',function(e){loadSessions();var d=JSON.parse(e.data);S.status=d.status;S.graph=d.graph;setMetrics(d.metrics);S.logs=d.logs;S.logs.forEach(function(r){r._seq=logSeq++});S.traces={};S.order=[];S.traceCount=d.traceCount;d.traces.slice().reverse().forEach(function(t){addTrace(t,true)});mark('summary','options','graph','status','metrics','traces','logsFull')});
    es.addEventListener('status',function(e){S.status=JSON.parse(e.data);mark('summary','options','status');if(S.drawer)loadDetails()});
    es.addEventListener('graph',function(e){S.graph=JSON.parse(e.data);mark('graph')});
    es.addEventListener('metrics',function(e){setMetrics(JSON.parse(e.data));mark('metrics')});
    es.addEventListener('traces',function(e){JSON.parse(e.data).forEach(function(t){addTrace(t)});mark('traces','summary')});
    es.addEventListener('log',function(e){var r=JSON.parse(e.data);r._seq=logSeq++;S.logs.push(r);if(S.logs.length>MAXLOGS)S.logs.splice(0,S.logs.length-MAXLOGS);mark('logs')});
    es.onerror=function(){if(!S.past)$('summary').textContent='disconnected — reconnecting…'}}
  // ---- past sessions: the hub keeps the last ones on disk; one opens read-only (no stream, no actions)
  function base(){return S.past?'/__nx-edge/sessions/'+encodeURIComponent(S.past):'/__nx-edge'}
  function when(t){var d=new Date(t);return d.toLocaleDateString()+' '+clock(t).slice(0,8)}
  // Asked again on every snapshot: after dev is restarted the stream reconnects to the new hub, and the
  // session the page was showing is now a past one.
  function loadSessions(){fetch('/__nx-edge/sessions').then(function(r){return r.ok?r.json():null}).then(function(d){if(!d)return;var sel=$('session'),chosen=sel.value;
    while(sel.options.length>1)sel.remove(1);
    d.sessions.forEach(function(m){if(m.id===d.current)return;var end=m.endedAt||m.lastWrittenAt;var o=text('option','',when(m.startedAt)+(end?' – '+clock(end).slice(0,8):'')+' · '+m.services.length+' services');o.value=m.id;sel.appendChild(o)});
    sel.value=chosen;if(sel.value!==chosen)sel.value='';$('session-pick').hidden=sel.options.length<2}).catch(function(){})}
  $('session').addEventListener('change',function(){var id=this.value;closeTrace();S.drawer=null;$('drawer').classList.remove('open');
    if(!id){S.past=null;document.body.classList.remove('past');$('past-note').hidden=true;connect();return}
    if(es){es.close();es=null}S.past=id;document.body.classList.add('past');
    fetch('/__nx-edge/sessions/'+encodeURIComponent(id)).then(function(r){return r.json()}).then(function(d){if(S.past!==id)return;
      if(!d.meta){$('past-note').hidden=false;$('past-note').textContent=d.error||'this session cannot be opened';return}
      var end=d.meta.endedAt||d.meta.lastWrittenAt;S.status=d.meta.services.map(function(name){return {service:name,kind:'worker',state:'ended',restarts:0}});
      S.graph=d.meta.graph||{nodes:S.status.map(function(x){return {id:x.service,kind:'worker'}}),edges:[]};S.metrics={};
      S.logs=d.logs;S.logs.forEach(function(r){r._seq=logSeq++});S.traces={};S.order=[];S.traceCount=d.traceCount;d.traces.slice().reverse().forEach(function(t){addTrace(t,true)});
      $('past-note').hidden=false;$('past-note').textContent='read-only: the session of '+when(d.meta.startedAt)+(end?' – '+clock(end).slice(0,8):'')+(d.meta.truncated?' (cut: it reached its size cap)':'');
      renderedSeq=-1;mark('summary','options','graph','status','metrics','traces','logsFull')})});
  var hash=location.hash.slice(1);if(hash.indexOf('trace/')===0){show('traces');openTrace(hash.slice(6))}else show(['graph','services','traces','logs','explorer'].indexOf(hash)>=0?hash:'graph');
  connect();setInterval(function(){if(S.tab==='services')mark('status')},1000);
})();
</script>
</body></html>
`;
