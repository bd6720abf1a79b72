// Inline feedback: selections, highlights with counters, fixed points, orphans (docs/inline-feedback.md).
import { client } from "./api.js";
import { composer } from "./composer.js";
import { h } from "./dom.js";
import { i18n, tables, want } from "./i18n.js";
import { adopt } from "./styles.js";

const STR = {
  i_comment: "Comment on this passage",
  i_leave: "Leave feedback",
  i_on: { one: "{n} comment on this passage", other: "{n} comments on this passage" },
  i_dialog: "Feedback on a passage",
  i_close: "Close",
  i_orphans: "Comments on passages no longer in the article",
  i_show: "Show comments ({n})",
};
for (const k in STR) tables.en[k] ??= STR[k];

const CSS_INLINE = `.layer,.pin,.pop{position:absolute;left:0;top:0}
.pin{min-width:1.6rem;padding:.2rem .45rem;border-radius:99px;border:1px solid var(--a);background:var(--bg);color:var(--a);font-size:.75rem;font-weight:700;line-height:1.2;white-space:nowrap}
.add{background:var(--a);color:var(--on);padding:.35rem .8rem;box-shadow:0 2px 8px #0003}
.pop{width:min(26rem,92vw);max-height:70vh;overflow:auto;padding:1rem;border:1px solid var(--ln);border-radius:10px;background:var(--bg);box-shadow:0 4px 20px #0004}
.x{float:right}.orph{margin:1.5rem 0}`;

export async function mount(o /* {base, site, page, lang} */) {
  if (!o.site || !o.page) return;
  const art = document.querySelector("[data-rostra-article]");
  await want(o.base, o.lang);
  const L = i18n(o.lang);
  const { t } = L;
  const ctx = { ...o, L, api: client(o.base, o.lang) };
  const q = new URLSearchParams({ site: o.site, page: o.page });
  const HL = window.Highlight && CSS.highlights; // else <mark>s
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync("::highlight(rostra){background:#ffd0004d}mark[data-rostra]{background:#ffd0004d;color:inherit}");
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  } catch {} // unstyled highlights beat a broken page
  const shadow = (el) => {
    const r = el.attachShadow({ mode: "open" });
    adopt(r);
    r.append(h("style", {}, CSS_INLINE));
    return r;
  };
  const host = h("div", { "data-rostra-inline": "" });
  host.style.cssText = "position:relative;height:0;z-index:99999";
  (art || document.body.lastElementChild).after(host);
  const layer = h("div", { class: "layer" });
  shadow(host).append(layer);
  const oHost = h("div", { "data-rostra-orphans": "" });
  (document.getElementById("rostra-thread") || host).after(oHost);
  const orph = h("section", { class: "orph", hidden: true });
  shadow(oHost).append(orph);

  let ps = [], pop = null, sel = null;
  const pins = new Map();
  const quote = (p) => h("div", { class: "md" }, h("blockquote", {}, p.anchor.exact));
  const add = h("button", { type: "button", class: "pin add", hidden: true, onmousedown: (e) => e.preventDefault(),
    onclick: () => sel && open({ anchor: sel, comment_ids: [], comment_count: 0 }, add) }, t("i_comment"));
  layer.append(add);
  const put = (el, x, y) => {
    const b = host.getBoundingClientRect();
    el.style.left = `${Math.max(0, Math.min(x, innerWidth - el.offsetWidth - 8)) - b.left}px`;
    el.style.top = `${y - b.top}px`;
  };
  let R; // ranges.js: article offsets to DOM ranges and back, loaded with the placements
  async function load() {
    const d = await ctx.api.get(`/anchors?${q}`);
    const [{ place }, r] = art ? await Promise.all([import("./anchoring.js"), import("./ranges.js")]) : [{}];
    R = r;
    const text = art ? art.textContent : "", byKey = new Map();
    for (const p of d.passages) {
      const id = p.anchor.passage, where = !id && art && place(text, p.anchor);
      const key = id ? `#${id}` : where ? `${where.start}:${where.end}` : `?${byKey.size}`;
      const m = byKey.get(key);
      if (m) (m.comment_ids = [...m.comment_ids, ...p.comment_ids]), (m.comment_count += p.comment_count);
      else byKey.set(key, { ...p, where, id });
    }
    ps = [...byKey.values()];
    paint();
  }
  function paint() {
    layer.querySelectorAll(".pin:not(.add)").forEach((el) => el.remove());
    pins.clear();
    if (HL) CSS.highlights.delete("rostra");
    else R?.unmark();
    const ranges = [], lost = [], taken = [];
    const x = art ? R.gutter(art) : 0;
    const pin = (p, y, label, name) => {
      const b = h("button", { type: "button", class: "pin", "aria-label": name,
        "aria-haspopup": "dialog", onclick: () => open(p, b) }, label);
      layer.append(b);
      pins.set(p, b);
      // Two passages ending on one line: the second counter goes below the first.
      while (taken.some((t) => Math.abs(t - y) < 24)) y += 24;
      taken.push(y);
      put(b, p.el && !art?.contains(p.el) ? p.el.getBoundingClientRect().right + 8 : x, y);
    };
    const count = (p) => t("i_on", { n: p.comment_count });
    for (const el of document.querySelectorAll("[data-rostra-passage]")) {
      const id = el.dataset.rostraPassage;
      let p = ps.find((x) => x.id === id);
      if (!p) ps.push((p = { id, comment_ids: [], comment_count: 0 }));
      p.anchor ||= { exact: (el.textContent.trim() || id).slice(0, 2000), prefix: "", suffix: "", passage: id };
      p.el = el;
      const top = el.getBoundingClientRect().top;
      pin(p, top, p.comment_count ? L.num(p.comment_count) : "+", p.comment_count ? count(p) : t("i_leave"));
    }
    for (const p of ps) {
      const r = p.where && R.rangeAt(art, p.where.start, p.where.end);
      if (r) {
        const last = [...r.getClientRects()].pop();
        ranges.push(r);
        if (last) pin(p, last.top + (last.height - 22) / 2, L.num(p.comment_count), count(p));
      } else if (!p.el && p.comment_count) lost.push(p);
    }
    if (HL) CSS.highlights.set("rostra", new Highlight(...ranges));
    else ranges.reverse().forEach(R.mark); // last first
    orph.hidden = !lost.length;
    orph.replaceChildren(h("h3", {}, t("i_orphans")), h("ul", {}, ...lost.map((p) => {
      const b = h("button", { type: "button", class: "btn", onclick: () => open(p, b, 1) }, t("i_show", { n: p.comment_count }));
      return h("li", {}, quote(p), b);
    })));
  }
  function close(back) {
    if (!pop) return;
    pop.el.remove();
    if (back) pop.from.focus();
    pop = null;
  }
  async function open(p, from, old, at) {
    const r = from.getBoundingClientRect();
    close();
    add.hidden = true;
    const list = h("ol", { class: "list" });
    const done = async (c) => {
      if (c?.status === "pending") list.append(h("li", { role: "status" }, t("pending")));
      if (!c?.id) return;
      await load();
      const again = ps.find((x) => x.comment_ids.includes(c.id) || x.comment_ids.includes(c.parent_id));
      if (again) open(again, pins.get(again) || from, old, el.getBoundingClientRect());
    };
    const f = !old && composer(ctx, { mode: "new", anchor: p.anchor, done });
    const el = h("div", { class: "pop", role: "dialog", "aria-label": t("i_dialog"), tabindex: "-1",
      onkeydown: (e) => e.key === "Escape" && close(1) },
      h("button", { type: "button", class: "btn x", onclick: () => close(1) }, t("i_close")),
      quote(p), list, f && f.el);
    pop = { el, from };
    layer.append(el);
    // Under the counter, ending where it ends (over the article, not past its edge); reopened
    // after a post where it was.
    put(el, at ? at.left : r.right - el.offsetWidth, at ? at.top : r.bottom + 6);
    (f || { focus: () => el.focus() }).focus();
    const want = new Set(p.comment_ids);
    let cursor = null;
    for (let i = 0; want.size && i < 10; i++) {
      const d = await ctx.api.get(`/comments?${q}&anchored=true&sort=oldest&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
      for (const c of d.comments) if (want.delete(c.id)) list.append(item(c, done));
      if (!(cursor = d.next_cursor)) break;
    }
  }
  function item(c, done) {
    const body = h("div", { class: "body md" });
    body.innerHTML = c.body_html || ""; // sanitized by the server
    const li = h("li", { "data-id": c.id }, h("b", {}, c.author?.name || ""), body);
    if (c.status === "published") {
      const b = h("button", { type: "button", class: "act", onclick() {
        const f = composer(ctx, { mode: "reply", parent: c, author: c.author?.name, done, cancel: () => (f.el.remove(), b.focus()) });
        b.after(f.el);
        f.focus();
      } }, t("reply"));
      li.append(b);
    }
    li.append(h("ol", { class: "replies" }, ...(c.replies || []).map((r) => item(r, done))));
    return li;
  }

  let timer;
  document.addEventListener("selectionchange", () => {
    clearTimeout(timer);
    timer = setTimeout(pick, 120);
  });
  function pick() {
    const s = getSelection();
    const r = s.rangeCount && s.getRangeAt(0);
    if (!art || !R || !r || s.isCollapsed || !art.contains(r.commonAncestorContainer)) {
      if (document.activeElement !== host) (add.hidden = true), (sel = null);
      return;
    }
    const text = art.textContent;
    let a = R.offset(art, r.startContainer, r.startOffset), b = R.offset(art, r.endContainer, r.endOffset);
    while (a < b && /\s/.test(text[a])) a++;
    while (b > a && /\s/.test(text[b - 1])) b--;
    if (a === b || b - a > 2000) return;
    sel = { exact: text.slice(a, b), prefix: text.slice(Math.max(0, a - 32), a), suffix: text.slice(b, b + 32), start: a, end: b };
    const last = [...r.getClientRects()].pop() || r.getBoundingClientRect();
    add.hidden = false;
    put(add, last.left, last.bottom + 6);
  }
  // Tab moves a keyboard reader from a selection to the button.
  document.addEventListener("keydown", (e) => {
    if (e.key === "Tab" && !e.shiftKey && !add.hidden && sel && (document.activeElement === document.body || art.contains(document.activeElement))) {
      e.preventDefault();
      add.focus();
    }
  });
  addEventListener("resize", () => ps.length && paint());
  load().catch((e) => console.error("Rostra:", e));
}
