/**
 * The whole stylesheet, inlined into each page (a few KB: no extra request, no build step).
 * Colours meet WCAG AA contrast on their backgrounds; focus is always visible.
 */
export const STYLES = `
:root { --ink:#1b2230; --muted:#4d5666; --line:#d9dde5; --bg:#f5f6f8; --card:#fff; --accent:#1f4fbf;
  --accent-ink:#fff; --ok:#116b3a; --ok-bg:#e3f4ea; --warn:#8a4b00; --warn-bg:#fff2dc; --bad:#a11a1a; --bad-bg:#fde8e8; }
* { box-sizing: border-box; }
body { margin:0; font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--ink); background:var(--bg); }
a { color:var(--accent); }
:focus-visible { outline:3px solid #f2a900; outline-offset:2px; }
.skip { position:absolute; left:-999px; top:0; background:var(--card); padding:.5rem 1rem; }
.skip:focus { left:.5rem; z-index:10; }
.top { display:flex; flex-wrap:wrap; align-items:center; gap:.75rem; padding:.85rem 1.25rem; background:var(--card); border-bottom:1px solid var(--line); }
.brand { font-weight:700; font-size:1.15rem; color:var(--ink); text-decoration:none; }
.top nav { margin-left:auto; display:flex; gap:1rem; flex-wrap:wrap; }
.badge { display:inline-block; font-size:.78rem; font-weight:600; padding:.1rem .6rem; border-radius:1rem; background:#e4ecff; color:#1f3c88; }
main { max-width:46rem; margin:0 auto; padding:2rem 1.25rem 3rem; }
h1 { font-size:1.7rem; line-height:1.25; margin:0 0 .5rem; }
h2 { font-size:1.2rem; margin:0 0 .6rem; }
.lead { font-size:1.08rem; color:var(--muted); }
.card { background:var(--card); border:1px solid var(--line); border-radius:.75rem; padding:1.25rem; margin-top:1.25rem; }
.card > :first-child { margin-top:0; }
.card > :last-child { margin-bottom:0; }
.steps { counter-reset:step; list-style:none; padding:0; }
.steps li { counter-increment:step; margin:.4rem 0; padding-left:2.2rem; position:relative; overflow-wrap:anywhere; }
.steps li::before { content:counter(step); position:absolute; left:0; width:1.6rem; height:1.6rem; border-radius:50%; background:#e4ecff; color:#1f3c88; font-weight:700; text-align:center; font-size:.9rem; line-height:1.6rem; }
.steps li.done::before { content:"✓"; background:var(--ok-bg); color:var(--ok); }
.button, button { display:inline-block; font:inherit; font-weight:600; padding:.6rem 1.1rem; border-radius:.5rem; border:1px solid var(--accent); background:var(--accent); color:var(--accent-ink); text-decoration:none; cursor:pointer; }
.button.secondary, button.secondary { background:var(--card); color:var(--accent); }
.button.danger, button.danger { background:var(--bad); border-color:var(--bad); color:#fff; }
.actions { display:flex; flex-wrap:wrap; gap:.6rem; align-items:center; margin-top:1rem; }
form.inline { display:inline; }
label { display:block; font-weight:600; margin:1rem 0 .3rem; }
.hint { display:block; font-weight:400; color:var(--muted); font-size:.9rem; }
input[type=text], input[type=url], input[type=email], input[type=password], input[type=number], select, textarea {
  width:100%; font:inherit; padding:.55rem .7rem; border:1px solid #8a93a3; border-radius:.45rem; background:#fff; color:var(--ink); }
textarea { min-height:5.5rem; }
input.days { max-width:8rem; }
fieldset { border:1px solid var(--line); border-radius:.5rem; margin:1rem 0 0; padding:.5rem 1rem 1rem; }
legend { font-weight:600; padding:0 .3rem; }
.check { display:flex; gap:.5rem; align-items:center; font-weight:400; margin:.45rem 0 0; }
.check input { width:1.1rem; height:1.1rem; flex-shrink:0; }
.notice { border-radius:.6rem; padding:.85rem 1rem; margin:1rem 0; border:1px solid; }
.notice.ok { background:var(--ok-bg); color:var(--ok); border-color:#a6d8b9; }
.notice.warn { background:var(--warn-bg); color:var(--warn); border-color:#f0c98a; }
.notice.bad { background:var(--bad-bg); color:var(--bad); border-color:#f0a9a9; }
.notice p { margin:.2rem 0; }
dl.facts { display:grid; grid-template-columns:max-content 1fr; gap:.35rem 1rem; margin:0; }
dl.facts dt { color:var(--muted); }
dl.facts dd { margin:0; font-weight:600; overflow-wrap:anywhere; }
.stats { display:grid; grid-template-columns:repeat(auto-fit,minmax(9rem,1fr)); gap:.75rem; }
.stat { background:var(--bg); border-radius:.5rem; padding:.75rem; }
.stat strong { display:block; font-size:1.6rem; line-height:1.2; }
.stat span { color:var(--muted); font-size:.9rem; }
table { width:100%; border-collapse:collapse; font-size:.95rem; }
th, td { text-align:left; padding:.45rem .35rem; border-bottom:1px solid var(--line); vertical-align:top; }
th { color:var(--muted); font-weight:600; }
pre { background:#1b2230; color:#f1f3f7; padding:1rem; border-radius:.5rem; overflow-x:auto; font-size:.82rem; }
code { font-size:.9em; }
.foot { max-width:46rem; margin:0 auto; padding:0 1.25rem 2rem; color:var(--muted); font-size:.9rem; }
/* The sandbox mailbox view (/sandbox/mail): threads as in Gmail, the draft marked like Gmail marks it. */
.inbox-title { margin-top:2rem; }
.thread { background:var(--card); border:1px solid var(--line); border-radius:.75rem; margin-top:1rem; overflow:hidden; scroll-margin-top:1rem; }
.thread h3 { font-size:1.1rem; line-height:1.35; margin:0; padding:.9rem 1rem .3rem; overflow-wrap:anywhere; }
.mail { padding:.75rem 1rem .9rem; border-top:1px solid var(--line); }
.thread h3 + .mail, .thread h3 + .mail-note + .mail { border-top:0; }
.mail.draft { background:#fdf6f6; border-left:4px solid var(--bad); }
.mail-head { display:flex; flex-wrap:wrap; justify-content:space-between; align-items:baseline; gap:0 .75rem; }
.mail-from { font-weight:600; overflow-wrap:anywhere; min-width:0; }
.mail-date, .mail-meta, .mail-note { color:var(--muted); font-size:.88rem; }
.mail-meta { overflow-wrap:anywhere; }
.mail-note { margin:.5rem 0 0; padding:0 1rem 0 0; }
.thread > .mail-note { padding:0 1rem; }
.draft-mark { color:var(--bad); font-weight:700; }
.mail-body { white-space:pre-wrap; overflow-wrap:anywhere; margin-top:.6rem; }
.outcome { margin:.7rem 0 0; padding-top:.55rem; border-top:1px dashed var(--line); font-size:.92rem; }
.tag { display:inline-block; font-size:.76rem; font-weight:700; padding:.05rem .55rem; margin-right:.45rem; border-radius:1rem; background:#e9ecf1; color:#3a4352; }
.tag.ok { background:var(--ok-bg); color:var(--ok); }
p.field-error { color:var(--bad); font-weight:600; margin:0 0 .3rem; }
form.prepared { margin-top:1.25rem; padding-top:.25rem; border-top:1px solid var(--line); }
@media (max-width:520px) { h1 { font-size:1.45rem; } .top nav { margin-left:0; width:100%; } dl.facts { grid-template-columns:1fr; } dl.facts dd { margin-bottom:.4rem; } }
`;
