// Lives in a shadow root. Publishers theme it with inherited --rostra-* (and --rostra-*-dark) properties.
const dark = `--a:var(--rostra-accent-dark,#8ab4f8);--fg:var(--rostra-text-dark,#e8e6e3);--mu:var(--rostra-muted-dark,#a9a9a9);--ln:var(--rostra-border-dark,#3d3d3d);--bg:var(--rostra-surface-dark,#1c1c1c);--sf:var(--rostra-subtle-dark,#282828);--dg:var(--rostra-danger-dark,#f2b8b5);--on:#0c1a2e`;

export const css = `
:host{--a:var(--rostra-accent,#0b57a4);--fg:var(--rostra-text,#1b1b1b);--mu:var(--rostra-muted,#5e5e5e);--ln:var(--rostra-border,#dcdcd8);--bg:var(--rostra-surface,#fff);--sf:var(--rostra-subtle,#f4f4f1);--dg:var(--rostra-danger,#b3261e);--on:#fff;
display:block;container-type:inline-size;color:var(--fg);font:var(--rostra-font-size,1rem)/1.55 var(--rostra-font,system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif);-webkit-text-size-adjust:100%}
@media (prefers-color-scheme:dark){:host(:not([data-theme=light])){${dark}}}
:host([data-theme=dark]){${dark}}
*{box-sizing:border-box}
[hidden]{display:none!important}
.sr{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
button,input,select,textarea{font:inherit;color:inherit;margin:0}
button{cursor:pointer}
.quote{color:inherit}
:focus{outline:none}
:focus-visible{outline:2px solid var(--a);outline-offset:2px;border-radius:4px}
.c:focus-visible{outline-offset:6px}
textarea,input,select{display:block;width:100%;background:var(--bg);border:1px solid var(--ln);border-radius:8px;padding:.65rem .8rem;line-height:1.5}
textarea{resize:vertical;min-height:6.5rem}
textarea::placeholder{color:var(--mu);opacity:1}
textarea:focus,input:focus,select:focus{border-color:var(--a);box-shadow:0 0 0 3px color-mix(in srgb,var(--a) 22%,transparent)}
[aria-invalid=true]{border-color:var(--dg)}
.form{margin:0 0 2.25rem}
.form .form{margin:0}
.lab{display:block;font-size:.8125rem;font-weight:600;margin:0 0 .3rem}
.lab span{font-weight:400;color:var(--mu)}
.rlab{font-size:.875rem;font-weight:600;margin:0 0 .4rem;display:block}
.err{color:var(--dg);font-size:.8125rem;font-weight:600;margin:.35rem 0 0}
.top{margin:0 0 .6rem;padding:.5rem .75rem;border-inline-start:3px solid var(--dg);background:var(--sf);border-radius:4px}
.hint{display:flex;flex-wrap:wrap;align-items:center;gap:.3rem;font-size:.8125rem;color:var(--mu);margin:.45rem 0 0}
.hint code{font:.75rem/1 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--sf);border-radius:4px;padding:.2rem .3rem;white-space:nowrap}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:.75rem;margin-top:.9rem}
.grid .wide{grid-column:1/-1}
.row{display:flex;flex-wrap:wrap;justify-content:flex-end;align-items:center;gap:.5rem;margin-top:.9rem}
.btn{display:inline-flex;align-items:center;justify-content:center;min-height:2.5rem;padding:.4rem 1.1rem;border:1px solid var(--ln);border-radius:999px;background:var(--bg);font-size:.875rem;font-weight:600;white-space:nowrap}
.row .addpic{margin-inline-end:auto}
.meta a.perma{color:inherit;text-decoration:none}.meta a.perma:hover{text-decoration:underline}
.c.target{background:var(--hl);box-shadow:0 0 0 .5rem var(--hl)}
.btn:hover{border-color:var(--mu)}
.btn[aria-pressed=true]{background:var(--sf);border-color:var(--fg)}
.pri{background:var(--a);border-color:var(--a);color:var(--on)}
.pri:hover{border-color:var(--a);filter:brightness(1.1)}
.btn[aria-disabled=true]{opacity:.65;cursor:progress}
.danger{background:var(--dg);border-color:var(--dg);color:var(--bg)}
.hp{position:absolute;left:-9999px;width:1px;height:1px;overflow:hidden}
.preview{border:1px dashed var(--ln);border-radius:8px;padding:.65rem .8rem;min-height:6.5rem}
.bar{display:flex;flex-wrap:wrap;align-items:flex-end;justify-content:space-between;column-gap:1.5rem;border-bottom:1px solid var(--ln)}
h2{font:700 1.375rem/1.25 var(--rostra-heading-font,Georgia,"Times New Roman",serif);margin:0;padding:0 0 .7rem}
[role=tablist]{display:flex;gap:1.25rem}
[role=tab]{background:none;border:0;border-bottom:2px solid transparent;margin-bottom:-1px;padding:.4rem 0 .75rem;color:var(--mu);font-size:.9375rem;font-weight:600}
[role=tab]:hover{color:var(--fg)}
[role=tab][aria-selected=true]{color:var(--fg);border-color:var(--a)}
[role=tab]{white-space:nowrap}[role=tab]:focus-visible{outline-offset:2px}
.news{display:block;margin:1rem auto 0;background:var(--a);color:var(--on);border:0;border-radius:999px;padding:.5rem 1.2rem;font-size:.875rem;font-weight:600;box-shadow:0 2px 10px rgb(0 0 0/.18)}
[aria-busy=true] .list{opacity:.55;transition:opacity .2s}
ol{list-style:none;margin:0;padding:0}
.list>li{padding:1.4rem 0;border-bottom:1px solid var(--ln)}
.replies{margin:.3rem 0 0;margin-inline-start:1.2rem;padding-inline-start:1.3rem;border-inline-start:2px solid var(--ln)}
.replies>li{padding-top:1.1rem}
.c{--hl:color-mix(in srgb,var(--a) 14%,transparent);display:flex;gap:.8rem;border-radius:4px}
.main{flex:1;min-width:0}
.av{flex:none;display:grid;place-items:center;width:2.5rem;height:2.5rem;border-radius:50%;background:hsl(var(--h,210) 32% 34%);color:#fff;font-size:.875rem;font-weight:700;object-fit:cover}
.replies .av{width:2rem;height:2rem;font-size:.75rem}
.gone .av{background:var(--sf);color:var(--mu)}
.meta{display:flex;flex-wrap:wrap;align-items:baseline;gap:.15rem .55rem;font-size:.8125rem;color:var(--mu)}
.name{font-size:.9375rem;font-weight:700;color:var(--fg);text-decoration:none}
a.name:hover{text-decoration:underline}
.gone .name{font-weight:400;color:var(--mu)}
.badge{align-self:center;font-size:.6875rem;font-weight:700;letter-spacing:.05em;text-transform:uppercase;color:var(--a);border:1px solid currentColor;border-radius:4px;padding:0 .35rem;line-height:1.4}
.body{margin-top:.2rem;overflow-wrap:anywhere}
.md>:first-child{margin-top:0}.md>:last-child{margin-bottom:0}
.md p,.md ul,.md ol,.md pre{margin:.55rem 0}
.md ul,.md ol{padding-inline-start:1.4rem}.md ul{list-style:disc}.md ol{list-style:decimal}
.md blockquote{margin:.55rem 0;padding:.05rem 0;padding-inline-start:.9rem;border-inline-start:3px solid var(--ln);color:var(--mu)}
.md a{color:var(--a);text-underline-offset:2px}
.md code{font:.875em ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--sf);border-radius:4px;padding:.05rem .25rem}
.md pre{overflow:auto;background:var(--sf);border-radius:6px;padding:.6rem .8rem}
.md pre code{padding:0}
.gone .body{font-style:italic;color:var(--mu)}
.imgs{display:flex;flex-wrap:wrap;gap:.5rem;margin-top:.5rem}.imgs img{display:block;max-width:100%;height:auto;border-radius:6px;border:1px solid var(--ln)}
.pending .body{opacity:.7}
.note{margin:.5rem 0 0;padding:.4rem .7rem;font-size:.8125rem;background:var(--sf);border-inline-start:3px solid var(--a);border-radius:4px}
.actions{display:flex;flex-wrap:wrap;align-items:center;gap:.25rem .9rem;margin-top:.45rem;font-size:.8125rem}
.act{background:none;border:0;border-radius:4px;padding:.3rem .1rem;min-height:2rem;color:var(--mu);font-weight:600}
.act:hover{color:var(--fg);text-decoration:underline;text-underline-offset:3px}
.vote{display:inline-flex;align-items:center;border:1px solid var(--ln);border-radius:999px}
.vote button{display:grid;place-items:center;width:2rem;height:2rem;border:0;border-radius:50%;background:none;color:var(--mu)}
.vote button:hover{color:var(--fg);background:var(--sf)}
.up[aria-pressed=true]{color:var(--a)}
.down[aria-pressed=true]{color:var(--dg)}
.vote [aria-pressed=true] svg{fill:currentColor}
.score{min-width:1.6ch;text-align:center;font-weight:700;color:var(--fg);font-variant-numeric:tabular-nums}
svg{width:1rem;height:1rem;fill:none;stroke:currentColor;stroke-width:2;stroke-linejoin:round}
.confirm{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem;margin-top:.5rem;font-size:.875rem;font-weight:600}
.slot>.form{margin:1rem 0 .25rem 3.3rem}
.replies .slot>.form{margin-inline-start:2.8rem}
.more{display:flex;width:100%;margin-top:1.25rem}
.empty,.fail{color:var(--mu);text-align:center;padding:2rem 0}
.fail .btn{margin-top:.75rem}
@keyframes fresh{from{background:var(--hl);box-shadow:0 0 0 .5rem var(--hl)}}
.fresh{animation:fresh 3s ease-out}
@media (prefers-reduced-motion:reduce){.fresh{animation:none}}
@container (max-width:520px){.slot>.form,.replies .slot>.form{margin-inline-start:0}.grid{grid-template-columns:1fr}.replies{margin-inline-start:.4rem;padding-inline-start:.8rem}.c{gap:.6rem}[role=tablist]{gap:1rem}h2{font-size:1.25rem}.row .btn{flex:1}}
`;

let sheet;
export function adopt(root) {
  try {
    sheet ||= new CSSStyleSheet();
    if (!sheet.cssRules.length) sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } catch {
    root.append(Object.assign(document.createElement("style"), { textContent: css }));
  }
}
