#include "results/dashboard/dashboard_assets.h"

namespace doomscope::results {

std::string_view DashboardCss() {
  static constexpr std::string_view kCss = R"CSS(
:root{--fg:#1d2330;--muted:#5f6b7a;--line:#e3e7ee;--bg:#f6f7fb;--card:#fff;--accent:#3a5ccc;
--loop:#c8324a;--loop-bg:#fde8ec;--warn:#b86e00;--warn-bg:#fff3dc;--ok:#1f7a4d;--ok-bg:#e3f5ea;
--near:#6b4fb3;--near-bg:#eee8fa;--mono:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","DejaVu Sans",sans-serif}
header.ds-top{background:#141a2a;color:#fff;padding:18px 32px 14px}
header.ds-top h1{margin:0;font-size:22px;font-weight:650;letter-spacing:.2px}
header.ds-top h1 span{color:#ff8a9b;font-weight:500}
header.ds-top .ds-meta{color:#b8c1d6;font-size:13px;margin-top:4px}
header.ds-top .ds-meta code{color:#dfe6f5}
nav.ds-nav{position:sticky;top:0;z-index:5;background:#fff;border-bottom:1px solid var(--line);padding:0 32px;display:flex;gap:22px;font-weight:550}
nav.ds-nav a{color:var(--muted);text-decoration:none;padding:10px 0;border-bottom:2px solid transparent}
nav.ds-nav a:hover{color:var(--accent);border-color:var(--accent)}
.ds-live{display:inline-block;margin-left:10px;padding:1px 8px;border-radius:10px;background:#1f7a4d;color:#fff;font-size:12px;vertical-align:middle}
main{max-width:1280px;margin:0 auto;padding:18px 32px 40px}
section{margin:0 0 30px}
h2{font-size:18px;margin:0 0 8px;font-weight:650}
h3{font-size:15px;margin:14px 0 6px;font-weight:600}
p.ds-note,.ds-note{color:var(--muted);font-size:13px;margin:4px 0 10px;max-width:980px}
.ds-cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:12px;margin:6px 0 18px}
.ds-card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 14px;box-shadow:0 1px 2px rgba(20,26,42,.04)}
.ds-card .ds-stage{font-size:12px;font-weight:700;letter-spacing:.6px;color:var(--muted)}
.ds-card .ds-ck{font-size:13px;color:var(--fg);overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.ds-card .ds-big{font-size:26px;font-weight:700;font-variant-numeric:tabular-nums;margin-top:2px}
.ds-card .ds-sub{font-size:12px;color:var(--muted)}
.ds-tablewrap{background:var(--card);border:1px solid var(--line);border-radius:10px;overflow-x:auto}
table.ds-table{border-collapse:collapse;width:100%;font-size:13px}
.ds-table a.ds-cell-link{color:inherit;text-decoration:none;border-bottom:1px dotted #9aa3b2}.ds-table a.ds-cell-link:hover{color:var(--accent)}
.ds-table th{position:sticky;top:0;background:#f0f2f7;text-align:left;font-weight:600;color:#39414f;padding:7px 8px;border-bottom:1px solid var(--line);white-space:nowrap}
.ds-table td{padding:6px 8px;border-bottom:1px solid #eef0f4;white-space:nowrap;font-variant-numeric:tabular-nums}
.ds-table td.num,.ds-table th.num{text-align:right}
.ds-table tr.ds-group td{background:#f8f9fc;font-weight:650;color:#2b3242;padding-top:9px;border-bottom:1px solid var(--line)}
.ds-table tbody tr.ds-row:hover td{background:#f5f8ff}
.ds-stagepill{display:inline-block;min-width:72px;padding:1px 8px;border-radius:9px;font-size:11px;font-weight:700;letter-spacing:.5px;text-align:center;color:#fff}
.st-PRETRAIN{background:#5b6578}.st-SFT{background:#2f6fb5}.st-DPO{background:#7a4fb0}.st-RL{background:#0f8a72}.st-OTHER,.st-UNSPECIFIED{background:#9aa3b2}
.ds-ratio{display:inline-flex;align-items:center;gap:6px;min-width:112px}
.ds-bar{display:inline-block;width:56px;height:8px;background:#eceff4;border-radius:4px;overflow:hidden}
.ds-bar>span{display:block;height:100%;border-radius:4px}
.sev-hi{color:var(--loop);font-weight:650}.sev-hi .ds-bar>span{background:var(--loop)}
.sev-mid{color:var(--warn);font-weight:600}.sev-mid .ds-bar>span{background:#e39b2d}
.sev-lo{color:var(--ok)}.sev-lo .ds-bar>span{background:#2fa36b}
.ds-ci{color:var(--muted);font-size:12px}
.d-up{color:var(--loop)}.d-down{color:var(--ok)}.d-ns{color:#8a93a3}
.d-sig{font-weight:700}
.ds-p{color:var(--muted);font-size:11px;margin-left:4px}
.ds-charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(580px,1fr));gap:14px}
figure.ds-fig{margin:0;background:var(--card);border:1px solid var(--line);border-radius:10px;padding:8px 10px}
figure.ds-fig figcaption{color:var(--muted);font-size:12px;margin:2px 6px 4px}
svg.ds-chart{max-width:100%;height:auto;display:block;font-family:inherit}
.ds-ctitle{font-size:14px;font-weight:650;fill:#1d2330}
.ds-tick,.ds-xsub,.ds-rowlabel{font-size:11px;fill:#5f6b7a}
.ds-xlabel{font-size:11px;font-weight:650;fill:#2b3242}
.ds-legend{font-size:12px;fill:#2b3242}
.ds-axislabel{font-size:11px;fill:#5f6b7a}
.ds-barlabel{font-size:10.5px;fill:#fff;font-weight:600}
.ds-grid{stroke:#eceff4}.ds-axis{stroke:#aab2c0}
path.ds-ci{stroke-width:1.6;fill:none;opacity:.75}
.ds-filters{display:flex;flex-wrap:wrap;gap:10px 14px;align-items:flex-end;background:var(--card);border:1px solid var(--line);border-radius:10px;padding:10px 14px;margin-bottom:10px}
.ds-filters label{display:flex;flex-direction:column;font-size:11px;font-weight:650;color:var(--muted);text-transform:uppercase;letter-spacing:.4px;gap:3px}
.ds-filters select,.ds-filters input[type=search]{font:inherit;font-size:13px;padding:4px 6px;border:1px solid #cfd5df;border-radius:6px;background:#fff;min-width:120px;text-transform:none}
.ds-filters label.ds-check{flex-direction:row;align-items:center;text-transform:none;font-size:13px;font-weight:500;color:var(--fg)}
.ds-pager{display:flex;gap:10px;align-items:center;margin:8px 0;color:var(--muted);font-size:13px}
.ds-pager button,.ds-btn{font:inherit;font-size:13px;padding:3px 12px;border-radius:6px;border:1px solid #cfd5df;background:#fff;cursor:pointer}
.ds-pager button:disabled{opacity:.4;cursor:default}
.ds-sample{background:var(--card);border:1px solid var(--line);border-left:4px solid #cfd5df;border-radius:8px;padding:10px 14px;margin:0 0 10px}
.ds-sample.v-doom_loop{border-left-color:var(--loop)}.ds-sample.v-recovered_loop,.ds-sample.v-tail_loop{border-left-color:#e39b2d}
.ds-sample.v-near_loop,.ds-sample.v-ngram_loop{border-left-color:var(--near)}.ds-sample.v-clean{border-left-color:#2fa36b}
.ds-shead{display:flex;flex-wrap:wrap;gap:6px 12px;align-items:center;font-size:13px}
.ds-shead .ds-id{font-family:var(--mono);font-size:12px;color:var(--muted)}
.ds-badge{display:inline-block;padding:1px 8px;border-radius:9px;font-size:11.5px;font-weight:650}
.b-doom_loop{background:var(--loop-bg);color:var(--loop)}.b-recovered_loop,.b-tail_loop,.b-cap_no_loop,.b-unclosed_think,.b-tool_call_repeat{background:var(--warn-bg);color:var(--warn)}
.b-near_loop,.b-ngram_loop{background:var(--near-bg);color:var(--near)}.b-clean{background:var(--ok-bg);color:var(--ok)}
.b-ok{background:var(--ok-bg);color:var(--ok)}.b-bad{background:#f1f2f5;color:#5f6b7a}
.ds-text{font-family:var(--mono);font-size:12.5px;line-height:1.55;white-space:pre-wrap;word-break:break-word;background:#fafbfd;border:1px solid #eceff4;border-radius:6px;padding:8px 10px;margin:6px 0;max-height:420px;overflow:auto}
.ds-prompt{color:#4a5466}
mark.ds-unit{background:#ffd8df;color:#7a0f22;border-radius:3px;outline:1px solid #f3a5b3;padding:0 1px}
.ds-onset{display:inline-block;background:var(--loop);color:#fff;font:600 10.5px/1.4 system-ui,sans-serif;padding:0 5px;border-radius:3px;margin:0 3px;vertical-align:1px}
.ds-copies{display:inline-block;background:#fff;color:var(--loop);border:1px dashed var(--loop);font:600 11px/1.4 system-ui,sans-serif;padding:0 6px;border-radius:3px;margin-left:4px}
.ds-cut{display:inline-block;color:var(--muted);background:#eef0f4;font:italic 11px/1.4 system-ui,sans-serif;padding:0 6px;border-radius:3px;margin:0 2px}
.ds-kv{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:2px 14px;font-size:12px;margin-top:6px}
.ds-kv div{display:flex;justify-content:space-between;gap:6px;border-bottom:1px dotted #e3e7ee}
.ds-kv b{font-weight:500;color:var(--muted)}
details.ds-more summary{cursor:pointer;color:var(--accent);font-size:12.5px;margin-top:4px}
.ds-empty{color:var(--muted);font-style:italic;padding:6px 0}
.ds-warn{background:var(--warn-bg);border:1px solid #f1d29b;color:#6d4800;border-radius:8px;padding:8px 12px;margin:8px 0;font-size:13px}
footer{color:var(--muted);font-size:12px;max-width:1280px;margin:0 auto;padding:0 32px 30px}
@media print{nav.ds-nav,.ds-filters,.ds-pager{display:none}}
)CSS";
  return kCss;
}

std::string_view DashboardJs() {
  static constexpr std::string_view kJs = R"JS(
(function(){
"use strict";
var STAGES=["UNSPECIFIED","PRETRAIN","SFT","DPO","RL","OTHER"];
var FIN=["unspecified","eos","stop","length","loop","error"];
var KINDS=["","text","whitespace","separator","structured","markup"];
var VLABEL={doom_loop:"doom loop",recovered_loop:"recovered loop",tail_loop:"tail loop (no cap)",near_loop:"near loop",tool_call_repeat:"tool-call repeat",unclosed_think:"unclosed think",ngram_loop:"n-gram loop",cap_no_loop:"cap, no loop",clean:"clean"};
function el(tag,cls,text){var e=document.createElement(tag);if(cls)e.className=cls;if(text!=null)e.textContent=String(text);return e;}
function pct(x){return (x*100).toFixed(1)+"%";}
var dataEl=document.getElementById("ds-data");
var root=document.getElementById("ds-browser");
if(dataEl&&root){
  var D=JSON.parse(dataEl.textContent),C={};
  D.cols.forEach(function(c,i){C[c]=i;});
  var order=D.rows.map(function(_,i){return i;});
  // Samples with text first (stable), so the first pages show outputs.
  order.sort(function(a,b){var ta=D.rows[a][C.text]<0,tb=D.rows[b][C.text]<0;return ta===tb?a-b:(ta?1:-1);});
  var PAGE=20,page=0,filtered=order;
  var box=el("div","ds-filters"),sel={};
  function addSelect(key,label,values,names){
    var l=el("label",null,label),s=el("select");s.appendChild(new Option("all",""));
    values.forEach(function(v,i){s.appendChild(new Option(names?names[i]:v,String(v)));});
    s.id="ds-f-"+key;s.addEventListener("change",function(){page=0;apply();});l.appendChild(s);box.appendChild(l);sel[key]=s;
  }
  var stagesPresent=[];D.rows.forEach(function(r){if(stagesPresent.indexOf(r[C.stage])<0)stagesPresent.push(r[C.stage]);});
  stagesPresent.sort(function(a,b){return a-b;});
  var vcount=D.verdicts.map(function(){return 0;});D.rows.forEach(function(r){vcount[r[C.verdict]]++;});
  var vidx=[];vcount.forEach(function(n,i){if(n>0)vidx.push(i);});
  addSelect("ck","Checkpoint",D.checkpoints.map(function(_,i){return i;}),D.checkpoints);
  addSelect("stage","Stage",stagesPresent,stagesPresent.map(function(s){return STAGES[s]||s;}));
  addSelect("task","Task",D.tasks.map(function(_,i){return i;}),D.tasks);
  addSelect("samp","Sampling",D.samplings.map(function(_,i){return i;}),D.samplings);
  addSelect("verdict","Verdict",vidx,vidx.map(function(i){return (VLABEL[D.verdicts[i]]||D.verdicts[i])+" ("+vcount[i]+")";}));
  var tl=el("label","ds-check"),tc=el("input");tc.type="checkbox";tc.id="ds-f-text";tc.addEventListener("change",function(){page=0;apply();});
  tl.appendChild(tc);tl.appendChild(document.createTextNode(" with text only"));box.appendChild(tl);
  var pager=el("div","ds-pager"),prev=el("button",null,"\u2190 prev"),next=el("button",null,"next \u2192"),info=el("span");
  prev.addEventListener("click",function(){if(page>0){page--;render();}});
  next.addEventListener("click",function(){if((page+1)*PAGE<filtered.length){page++;render();}});
  pager.appendChild(prev);pager.appendChild(next);pager.appendChild(info);
  var list=el("div","ds-list");list.id="ds-sample-list";
  root.textContent="";root.appendChild(box);root.appendChild(pager);root.appendChild(list);
  function saveState(){var st={};for(var k in sel)if(sel[k].value!=="")st[k]=sel[k].value;if(tc.checked)st.text=1;if(page)st.page=page;
    var h=Object.keys(st).length?"#f="+encodeURIComponent(JSON.stringify(st)):"";
    if(h!==location.hash&&(h||/[#&]f=/.test(location.hash))){try{history.replaceState(null,"",h||location.pathname+location.search);}catch(e){}}}
  function loadState(){var m=/[#&]f=([^&]*)/.exec(location.hash);if(!m)return;try{var st=JSON.parse(decodeURIComponent(m[1]));
    for(var k in sel)if(st[k]!=null)sel[k].value=st[k];tc.checked=!!st.text;page=st.page|0;}catch(e){}}
  function apply(){
    var f={};for(var k in sel)if(sel[k].value!=="")f[k]=+sel[k].value;var needText=tc.checked;
    filtered=order.filter(function(i){var r=D.rows[i];for(var k in f)if(r[C[k]]!==f[k])return false;return !needText||r[C.text]>=0;});
    if(page*PAGE>=filtered.length)page=0;render();
  }
  function appendCut(parent,obj,key){
    if(obj[key]!=null){parent.appendChild(document.createTextNode(obj[key]));return;}
    if(obj[key+"_head"]==null)return;
    parent.appendChild(document.createTextNode(obj[key+"_head"]));
    parent.appendChild(el("span","ds-cut","\u2026 "+obj[key+"_omit"]+" bytes omitted \u2026"));
    parent.appendChild(document.createTextNode(obj[key+"_tail"]));
  }
  function kv(grid,k,v){var d=el("div");d.appendChild(el("b",null,k));d.appendChild(el("span",null,v));grid.appendChild(d);}
  function card(i){
    var r=D.rows[i],v=D.verdicts[r[C.verdict]],c=el("article","ds-sample v-"+v);c.setAttribute("data-verdict",v);
    var h=el("div","ds-shead");h.appendChild(el("span","ds-badge b-"+v,VLABEL[v]||v));
    h.appendChild(el("span","ds-stagepill st-"+(STAGES[r[C.stage]]||"OTHER"),STAGES[r[C.stage]]||r[C.stage]));
    h.appendChild(el("b",null,D.checkpoints[r[C.ck]]));h.appendChild(el("span",null,D.tasks[r[C.task]]+" \u00b7 "+D.samplings[r[C.samp]]));
    h.appendChild(el("span","ds-id",r[C.item]+" #"+r[C.roll]));
    h.appendChild(el("span",null,"finish: "+(FIN[r[C.fin]]||r[C.fin])+" \u00b7 "+r[C.ntok]+"/"+r[C.max]+" tokens"));
    if(r[C.correct]>=0)h.appendChild(el("span","ds-badge "+(r[C.correct]?"b-ok":"b-bad"),r[C.correct]?"\u2713 correct":"\u2717 incorrect"));
    c.appendChild(h);
    var t=r[C.text]>=0?D.texts[r[C.text]]:null;
    if(!t){c.appendChild(el("div","ds-empty","Text not kept in this file (bounded sample per cell); findings below."));}
    else{
      var pd=el("details","ds-more"),ps=el("summary",null,"prompt");pd.appendChild(ps);var pt=el("div","ds-text ds-prompt");appendCut(pt,t,"prompt");pd.appendChild(pt);c.appendChild(pd);
      var out=el("div","ds-text ds-output");
      if(t.unit_head!=null||t.unit!=null){
        appendCut(out,t,"pre");out.appendChild(el("span","ds-onset","\u25BC loop onset"));
        var m=el("mark","ds-unit");appendCut(m,t,"unit");m.title="repeated unit ("+(t.map==="exact_chars"?"exact offsets":"located by unit search")+")";out.appendChild(m);
        out.appendChild(el("span","ds-copies","\u00d7 "+t.copies.toFixed(2)+" copies \u2014 "+t.after_bytes+" more bytes compacted"));
      }else appendCut(out,t,"out");
      c.appendChild(out);
    }
    var g=el("div","ds-kv");
    if(r[C.period]>0){kv(g,"period",r[C.period]+" units");kv(g,"onset",r[C.onset]+" ("+pct(r[C.onset_frac])+")");kv(g,"repeats",r[C.repeats]);kv(g,"coverage",pct(r[C.coverage]));kv(g,"unit kind",KINDS[r[C.unit_kind]]||"");}
    kv(g,"seq-rep-4",r[C.seq_rep_4].toFixed(3));kv(g,"30-gram loop",r[C.pipis]?"yes":"no");
    if(r[C.correct]>=0)kv(g,"score",r[C.score]);
    if(t){var d=t.det;kv(g,"level",d.level);kv(g,"segment",d.segment);kv(g,"distinct-4",d.distinct_4);kv(g,"runs max exp",d.runs_max_exp);
      kv(g,"RL open-r1 w3",d.rl_openr1_w3);kv(g,"RL TRL t3",d.rl_trl_t3);kv(g,"rep-40 frac",d.rep40);if(d.early_stopped)kv(g,"early stop, saved",d.tokens_saved_est);
      if(t.extracted!=null)kv(g,"extracted",t.extracted);if(t.error_class!=null)kv(g,"error",t.error_class);kv(g,"answer extractable",t.extractable?"yes":"no");}
    c.appendChild(g);return c;
  }
  function render(){
    list.textContent="";var from=page*PAGE,to=Math.min(filtered.length,from+PAGE);
    for(var k=from;k<to;k++)list.appendChild(card(filtered[k]));
    if(!filtered.length)list.appendChild(el("div","ds-empty","No samples match these filters."));
    info.textContent=filtered.length?("showing "+(from+1)+"\u2013"+to+" of "+filtered.length+" samples"):"";
    prev.disabled=page===0;next.disabled=to>=filtered.length;root.setAttribute("data-rendered","js");saveState();
  }
  loadState();apply();
  // "samples" links in the stage table pre-filter the browser to that cell.
  Array.prototype.forEach.call(document.querySelectorAll("a.ds-cell-link"),function(a){
    a.addEventListener("click",function(){
      var pick=function(key,names,value){var i=names.indexOf(value);sel[key].value=i<0?"":String(i);};
      pick("ck",D.checkpoints,a.getAttribute("data-checkpoint"));pick("task",D.tasks,a.getAttribute("data-task"));
      pick("samp",D.samplings,a.getAttribute("data-sampling"));sel.stage.value="";sel.verdict.value="";page=0;apply();});
  });
}
// Stage table: filter rows by text.
var q=document.getElementById("ds-table-filter");
if(q)q.addEventListener("input",function(){var s=q.value.toLowerCase();
  Array.prototype.forEach.call(document.querySelectorAll("#ds-stage-table tbody tr.ds-row"),function(tr){
    tr.style.display=!s||tr.textContent.toLowerCase().indexOf(s)>=0?"":"none";});});
// Live mode: reload when the records change.
var live=document.body.getAttribute("data-live-ms");
if(live){var last=null;setInterval(function(){fetch("/api/summary",{cache:"no-store"}).then(function(r){return r.text();}).then(function(t){
  if(last!==null&&t!==last){var b=document.getElementById("ds-live");if(b)b.textContent="updating\u2026";location.reload();}last=t;}).catch(function(){});},+live);}
})();
)JS";
  return kJs;
}

}  // namespace doomscope::results
