/** The web UI's stylesheet, served as `/ui/style.css`: system fonts only, works offline. */
export const UI_STYLE = `:root {
  --bg: #f6f6f8; --card: #fff; --text: #1d1b26; --muted: #5b5867; --line: #e1dfe8;
  --accent: #4f36b8; --top: #231a3a; --top-text: #f4f2fa; --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  --error: #c42b3c; --warning: #a35c00; --info: #2a62b8; --fatal: #8e1028; --debug: #5b5867;
}
* { box-sizing: border-box; }
html { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--text); background: var(--bg); }
body { margin: 0; min-height: 100vh; display: flex; flex-direction: column; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
code, .mono, pre { font-family: var(--mono); font-size: 12.5px; }
pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
h1 { font-size: 21px; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 15px; margin: 0 0 10px; }
h3 { font-size: 13px; margin: 14px 0 6px; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
.muted { color: var(--muted); font-weight: normal; }
.sub { color: var(--muted); font-size: 13px; margin: 2px 0 0; overflow-wrap: anywhere; }
.key { font-family: var(--mono); font-size: 12px; color: var(--muted); }

header.top { display: flex; align-items: center; gap: 20px; padding: 10px 24px; background: var(--top); color: var(--top-text); }
header.top a { color: var(--top-text); }
.brand { white-space: nowrap; font-weight: 700; font-size: 16px; letter-spacing: .02em; }
header nav { display: flex; gap: 4px; }
header nav a { padding: 4px 10px; border-radius: 6px; }
header nav a[aria-current="page"] { background: rgba(255, 255, 255, .16); }
header .dsn { margin-left: auto; color: #cfc8e6; font-size: 12px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 40%; }
.live-status { font-size: 12px; color: #9fe3b4; }
.live-status::before { content: "●"; margin-right: 4px; }
.live-status.offline { color: #f0a0a0; }

main { flex: 1; width: 100%; max-width: 1280px; margin: 0 auto; padding: 20px 24px 32px; }
footer { padding: 12px 24px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); text-align: center; }
.crumbs { margin: 0 0 8px; color: var(--muted); font-size: 13px; overflow-wrap: anywhere; }
.crumbs a { display: inline-block; max-width: min(60ch, 70vw); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; vertical-align: bottom; }
.page-head { margin-bottom: 16px; }
.page-head p { margin: 2px 0 0; }

.filters { display: flex; flex-wrap: wrap; align-items: end; gap: 12px; margin-bottom: 16px; padding: 12px; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
.filters label { display: flex; flex-direction: column; gap: 3px; font-size: 12px; color: var(--muted); }
input, select, button { font: inherit; color: var(--text); }
input[type="search"], input[type="text"], select { padding: 5px 8px; border: 1px solid #c9c5d6; border-radius: 6px; background: #fff; min-width: 160px; }
button { padding: 6px 14px; border: 1px solid var(--accent); border-radius: 6px; background: var(--accent); color: #fff; cursor: pointer; }
button:hover { filter: brightness(1.1); }
button.danger { background: var(--card); color: var(--error); border-color: var(--error); }
button:disabled { opacity: 0.6; cursor: default; }
.user-actions { display: flex; gap: 12px; align-items: center; flex-wrap: wrap; }
.erase-status { color: var(--error); }
.filters .clear { align-self: center; font-size: 13px; }

table.list { width: 100%; border-collapse: collapse; background: var(--card); }
.live > table.list { border: 1px solid var(--line); border-radius: 8px; }
.live { overflow-x: auto; }
table.issues { min-width: 760px; }
table.list th { text-align: left; font-size: 12px; font-weight: 600; color: var(--muted); padding: 8px 10px; border-bottom: 1px solid var(--line); background: #faf9fc; white-space: nowrap; }
table.list td { padding: 8px 10px; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; }
table.list tr:last-child td { border-bottom: 0; }
table.list td :is(a, span, code, div) { unicode-bidi: plaintext; }
table.list .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.list td.num { font-weight: 600; }
.issues .issue-cell { width: 48%; }
.issue-cell .title { font-weight: 600; font-size: 14.5px; }
.culprit { font-family: var(--mono); font-size: 12px; }
td.app { font-size: 13px; }
td time, dd time { white-space: nowrap; }
.pager { display: flex; gap: 16px; align-items: center; margin: 12px 0; }
.empty { color: var(--muted); padding: 24px; text-align: center; background: var(--card); border: 1px dashed var(--line); border-radius: 8px; }
.empty p { margin: 4px 0; }

.level { white-space: nowrap; display: inline-block; padding: 0 6px; border-radius: 4px; font-size: 11px; font-weight: 600; line-height: 18px; color: #fff; background: var(--debug); text-transform: uppercase; }
.level-error { background: var(--error); } .level-fatal { background: var(--fatal); }
.level-warning { background: var(--warning); } .level-info { background: var(--info); }
.badge { font-size: 11px; padding: 0 5px; border-radius: 4px; background: #ece8fa; color: var(--accent); }
.unhandled { color: var(--error); font-weight: 600; }

.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; margin-bottom: 16px; min-width: 0; }
.card table.list th { background: transparent; }
.card table.list th, .card table.list td { padding-left: 0; }
.stats { display: flex; flex-wrap: wrap; gap: 10px; margin: 0 0 16px; }
.stats > div { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px; min-width: 120px; }
.stats dt { font-size: 12px; color: var(--muted); }
.stats dd { margin: 0; font-size: 18px; font-weight: 600; overflow-wrap: anywhere; }
.columns { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 16px; }
.event-grid { display: grid; grid-template-columns: minmax(0, 1.8fr) minmax(300px, 1fr); gap: 16px; align-items: start; }
@media (max-width: 900px) { .columns, .event-grid { grid-template-columns: minmax(0, 1fr); } }
@media (max-width: 640px) { header .dsn { display: none; } main { padding: 16px 12px 24px; } }

dl.kv { margin: 0; display: grid; grid-template-columns: minmax(90px, max-content) minmax(0, 1fr); column-gap: 14px; }
dl.kv > div { display: grid; grid-template-columns: subgrid; grid-column: 1 / -1; align-items: baseline; border-bottom: 1px solid #eceaf2; padding: 5px 0; }
dl.kv > div:last-child { border-bottom: 0; }
dl.kv dt { color: var(--muted); font-size: 13px; overflow-wrap: anywhere; max-width: 220px; }
dl.kv dd { margin: 0; overflow-wrap: anywhere; }
dl.kv dd.pre { white-space: pre-wrap; font-family: var(--mono); font-size: 12px; }
.user-card dl.kv dt { font-weight: 600; color: var(--text); }
.notes ul { margin: 6px 0 0; padding-left: 18px; }
.notes li { font-family: var(--mono); font-size: 12px; color: var(--warning); overflow-wrap: anywhere; }
.notes h3 { color: var(--warning); }
.more { margin: 10px 0 0; font-size: 13px; overflow-wrap: anywhere; }

.exception h3 { text-transform: none; letter-spacing: 0; font-size: 15px; color: var(--text); margin: 0 0 4px; overflow-wrap: anywhere; }
.exc-type { color: var(--error); }
.exc-value { font-weight: normal; }
ol.frames { list-style: none; margin: 10px 0 0; padding: 0; border: 1px solid var(--line); border-radius: 6px; }
.frame { padding: 6px 10px; border-bottom: 1px solid var(--line); font-size: 13px; color: var(--muted); overflow-wrap: anywhere; }
.frame:last-child { border-bottom: 0; }
.frame.in-app { color: var(--text); background: #fbfaff; }
.frame .fn { font-family: var(--mono); font-weight: 600; }
.frame .file { font-family: var(--mono); font-size: 12px; }
.frame .module { font-family: var(--mono); font-size: 11.5px; padding: 0 5px; border-radius: 4px; background: #f0eef5; color: var(--muted); }
.frame.crashing { background: #fff8f8; box-shadow: inset 3px 0 0 var(--error); }
.frames-folded { border-bottom: 1px solid var(--line); }
.frames-folded:last-child { border-bottom: 0; }
.frames-folded > details > summary { padding: 5px 10px; font-size: 12.5px; color: var(--muted); cursor: pointer; background: #faf9fc; }
.frames-folded > details[open] > summary { border-bottom: 1px solid var(--line); }
.frames-folded ol.frames { margin: 0; border: 0; border-radius: 0; }
.frame-source > summary { margin-top: 4px; cursor: pointer; color: var(--muted); overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.frame-source > summary code { font-size: 12px; color: var(--text); }
.source { margin-top: 6px; overflow-x: auto; border: 1px solid var(--line); border-radius: 4px; background: #fbfafd; }
.source table { border-collapse: collapse; min-width: 100%; font-family: var(--mono); font-size: 12px; line-height: 1.5; }
.source td { padding: 0 8px; vertical-align: top; }
.source td.lineno { text-align: right; color: #8a8696; user-select: none; border-right: 1px solid var(--line); width: 1%; white-space: nowrap; }
.source td.code { white-space: pre; color: var(--text); }
.source tr.current td { background: #fde6e8; }
.source tr.current td.code { font-weight: 600; }
.source tr.current td.lineno { color: var(--error); font-weight: 700; }
.route .transaction, a.transaction { font-family: var(--mono); font-size: 12px; }
td.route { white-space: nowrap; }
.request-line { font-family: var(--mono); margin: 0 0 6px; overflow-wrap: anywhere; }
.method { font-weight: 700; color: var(--accent); }
.message { padding: 8px; background: #f3f1f8; border-radius: 6px; }

.chart-wrap { display: grid; grid-template-columns: max-content minmax(0, 1fr); grid-template-rows: 110px auto; column-gap: 8px; }
.chart-scale { display: flex; flex-direction: column; justify-content: space-between; text-align: right; font-size: 11px; color: var(--muted); }
svg.chart { width: 100%; height: 110px; display: block; border-bottom: 1px solid var(--line); }
svg.chart .bar { fill: #7b61d9; }
svg.chart .bar:hover { fill: var(--accent); }
svg.chart .bar.empty { fill: #d9d4ea; }
.chart-axis { grid-column: 2; display: flex; justify-content: space-between; font-size: 11px; color: var(--muted); margin-top: 4px; }
.copy-row { display: flex; gap: 8px; }
.copy-row input { flex: 1; min-width: 0; font-family: var(--mono); }
.settings dl.kv dt { min-width: 130px; }
.stack-column { display: grid; gap: 16px; align-content: start; min-width: 0; }
.stack-column > .card { margin: 0; }
.users-by-form { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-bottom: 10px; }
.users-by-table td.value { overflow-wrap: anywhere; }
.issue-stack h2 a { font-size: 12px; text-transform: none; letter-spacing: 0; }
`;
