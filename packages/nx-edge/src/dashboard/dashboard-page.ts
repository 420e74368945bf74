/**
 * The dev dashboard: one static page (no framework, no external requests) served by the proxy at `/`.
 * It polls /__nx-edge/status every second and follows /__nx-edge/logs over SSE. Its actions (restart)
 * send the session's dashboard token, embedded here, in a header no cross-site form can set.
 */
export const dashboardPage = (token: string): string => dashboardHtml.replace('__NX_EDGE_TOKEN__', token.replace(/[^A-Za-z0-9_-]/g, ''));

const dashboardHtml = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="nx-edge-token" content="__NX_EDGE_TOKEN__">
<title>nx-edge dev</title>
<style>
:root{--bg:#0f1115;--panel:#171a21;--line:#262b36;--text:#d8dee9;--muted:#8a93a5;--ok:#3fb950;--warn:#d29922;--bad:#f85149;--accent:#58a6ff}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 ui-sans-serif,system-ui,sans-serif;background:var(--bg);color:var(--text)}
header{padding:.8rem 1.2rem;border-bottom:1px solid var(--line);display:flex;gap:1rem;align-items:baseline}
header h1{font-size:1.05rem;margin:0}header span{color:var(--muted)}
main{padding:1rem 1.2rem;display:grid;gap:1rem}
section{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:.8rem}
h2{font-size:.95rem;margin:0 0 .6rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid var(--line)}
th{color:var(--muted);font-weight:500}td a{color:var(--accent)}
.state{font-weight:600}.state-healthy{color:var(--ok)}.state-starting,.state-pending,.state-unhealthy,.state-blocked,.state-stopping{color:var(--warn)}.state-failed,.state-stopped{color:var(--bad)}
.filters{display:flex;gap:.6rem;flex-wrap:wrap;margin-bottom:.6rem;align-items:center}
select,input,button{background:var(--bg);color:var(--text);border:1px solid var(--line);border-radius:5px;padding:.3rem .5rem;font:inherit}
button{cursor:pointer}
#log{font:12.5px/1.5 ui-monospace,SFMono-Regular,Menlo,monospace;max-height:60vh;overflow:auto;white-space:pre-wrap;word-break:break-word}
.line{padding:.05rem 0}.time{color:var(--muted)}.lvl-warn{color:var(--warn)}.lvl-error{color:var(--bad)}.lvl-debug{color:var(--muted)}
.trace{color:var(--accent);cursor:pointer;text-decoration:underline dotted}.fields{color:var(--muted)}
.empty{color:var(--muted)}.remote{color:var(--warn);font-size:.8rem}
</style></head>
<body>
<header><h1>nx-edge dev</h1><span id="summary">connecting…</span></header>
<main>
<section><h2>Services</h2>
<table id="services"><thead><tr><th>service</th><th>state</th><th>pid</th><th>port</th><th>health</th><th>uptime</th><th>restarts</th><th></th></tr></thead><tbody></tbody></table>
</section>
<section><h2>Logs</h2>
<div class="filters">
<label>service <select id="f-service"><option value="">all</option></select></label>
<label>level <select id="f-level"><option value="">all</option><option>debug</option><option>info</option><option>warn</option><option>error</option></select></label>
<label>trace <input id="f-trace" placeholder="trace id" size="34"></label>
<button id="f-clear" type="button">clear filters</button>
</div>
<div id="log"></div>
</section>
</main>
<script>
(function(){
  var LEVELS=['debug','info','warn','error'];
  var records=[];var MAX=5000;
  var $=function(id){return document.getElementById(id)};
  var fService=$('f-service'),fLevel=$('f-level'),fTrace=$('f-trace'),logEl=$('log');
  var knownServices={};
  function text(tag,cls,t){var e=document.createElement(tag);if(cls)e.className=cls;if(t!==undefined)e.textContent=t;return e}
  function pad(n,w){n=String(n);while(n.length<(w||2))n='0'+n;return n}
  function clock(t){var d=new Date(t);return pad(d.getHours())+':'+pad(d.getMinutes())+':'+pad(d.getSeconds())+'.'+pad(d.getMilliseconds(),3)}
  function uptime(s){if(!s.startedAt||s.state==='stopped'||s.state==='failed')return '';var sec=Math.max(0,Math.round((Date.now()-s.startedAt)/1000));
    return sec<60?sec+'s':sec<3600?Math.floor(sec/60)+'m '+(sec%60)+'s':Math.floor(sec/3600)+'h '+Math.floor(sec%3600/60)+'m'}
  function addService(name){if(knownServices[name])return;knownServices[name]=true;var o=text('option','',name);o.value=name;fService.appendChild(o)}
  function renderStatus(list){
    var body=document.querySelector('#services tbody');body.textContent='';
    list.forEach(function(s){addService(s.service);var tr=document.createElement('tr');tr.dataset.service=s.service;
      var name=text('td','svc');var a=text('a','',s.service);a.href='http://'+((s.hosts&&s.hosts[0])||s.service)+'.localhost:'+location.port+'/';name.appendChild(a);
      if(s.remoteOnly&&s.remoteOnly.length){var r=text('div','remote','remote-only, not bound locally: '+s.remoteOnly.join(', '));name.appendChild(r)}tr.appendChild(name);
      var st=text('td','state state-'+s.state,s.state+(s.state==='failed'&&s.exitCode!==undefined?' ('+s.exitCode+')':''));tr.appendChild(st);
      [s.pid,s.port,s.health,uptime(s),s.restarts].forEach(function(v){tr.appendChild(text('td','',v===undefined||v===null?'':String(v)))});
      var act=text('td','actions');var btn=text('button','restart','restart');btn.type='button';btn.dataset.service=s.service;act.appendChild(btn);tr.appendChild(act);
      body.appendChild(tr)});
    var healthy=list.filter(function(s){return s.state==='healthy'}).length;
    $('summary').textContent=list.length+' services, '+healthy+' healthy';
  }
  function pollStatus(){fetch('/__nx-edge/status').then(function(r){return r.json()}).then(renderStatus).catch(function(){$('summary').textContent='disconnected'})}
  function matches(r){
    if(fService.value&&r.service!==fService.value)return false;
    if(fLevel.value&&LEVELS.indexOf(r.level)<LEVELS.indexOf(fLevel.value))return false;
    var t=fTrace.value.trim().toLowerCase();if(t&&r.trace_id!==t)return false;return true}
  function lineFor(r){
    var d=text('div','line lvl-'+r.level);d.dataset.service=r.service;d.dataset.level=r.level;if(r.trace_id)d.dataset.trace=r.trace_id;
    d.appendChild(text('span','time',clock(r.time)+' '));
    var s=text('span','svc','['+r.service+'] ');s.style.color='hsl('+hue(r.service)+',65%,65%)';d.appendChild(s);
    d.appendChild(text('span','lvl',r.level+' '));d.appendChild(text('span','msg',r.message));
    if(r.fields){var f=Object.keys(r.fields).map(function(k){var v=r.fields[k];return k+'='+(typeof v==='string'?v:JSON.stringify(v))}).join(' ');if(f)d.appendChild(text('span','fields',' '+f))}
    if(r.trace_id){d.appendChild(document.createTextNode(' '));var tr=text('span','trace','trace='+r.trace_id);tr.dataset.trace=r.trace_id;tr.title='show only this trace';d.appendChild(tr)}
    return d}
  function hue(s){var h=0;for(var i=0;i<s.length;i++)h=(h*31+s.charCodeAt(i))>>>0;return h%360}
  function render(){
    var atBottom=logEl.scrollTop+logEl.clientHeight>=logEl.scrollHeight-20;logEl.textContent='';
    var shown=records.filter(matches);
    if(!shown.length)logEl.appendChild(text('div','empty','no log lines match'));
    var frag=document.createDocumentFragment();shown.slice(-2000).forEach(function(r){frag.appendChild(lineFor(r))});logEl.appendChild(frag);
    if(atBottom)logEl.scrollTop=logEl.scrollHeight}
  var pending=false;function schedule(){if(pending)return;pending=true;requestAnimationFrame(function(){pending=false;render()})}
  function follow(){var es=new EventSource('/__nx-edge/logs?follow=1&limit=2000');
    es.onmessage=function(e){var r=JSON.parse(e.data);addService(r.service);records.push(r);if(records.length>MAX)records.splice(0,records.length-MAX);schedule()}}
  var token=document.querySelector('meta[name="nx-edge-token"]').content;
  document.querySelector('#services').addEventListener('click',function(e){var b=e.target.closest('button.restart');if(!b)return;
    b.disabled=true;fetch('/__nx-edge/services/'+encodeURIComponent(b.dataset.service)+'/restart',{method:'POST',headers:{'x-nx-edge-token':token}}).finally(function(){b.disabled=false;pollStatus()})});
  logEl.addEventListener('click',function(e){var t=e.target.closest('.trace');if(!t)return;fTrace.value=t.dataset.trace;render()});
  [fService,fLevel].forEach(function(el){el.addEventListener('change',render)});fTrace.addEventListener('input',render);
  $('f-clear').addEventListener('click',function(){fService.value='';fLevel.value='';fTrace.value='';render()});
  pollStatus();setInterval(pollStatus,1000);follow();render();
})();
</script>
</body></html>
`;
