// Editorial controls (docs/editorial-controls.md), loaded only for articles that have some:
// the newsroom's message above the thread, "Comments are closed" instead of the composer, no
// image button where images are off, slow mode and its wait in the reader's words, and the
// Featured tab with its badge and the editor's note.
import { h, uid } from "./dom.js";
import { i18n, tables } from "./i18n.js";

const STR = {
  s_featured: "Featured",
  e_closed: "Comments are closed.",
  e_held: "Comments on this article are reviewed before they appear.",
  e_slow: { one: "Slow mode: one comment per reader every minute.", other: "Slow mode: one comment per reader every {n} minutes." },
  e_wait: { one: "Slow mode: you can comment again in {n} minute.", other: "Slow mode: you can comment again in {n} minutes." },
  e_note: "Editor's note: {note}",
  e_msg: "From the newsroom",
};
for (const k in STR) tables.en[k] ??= STR[k];

const CSS = `.ed{display:grid;gap:.5rem;margin:0 0 1rem}.ed .note{margin:0}.ed .md>:first-child{margin-top:0}.ed .md>:last-child{margin-bottom:0}
.ed .shut{font-weight:600;text-align:center;padding:1rem;border:1px solid var(--ln);border-radius:8px}.pick{font-style:italic}`;

function adopt(root, css) {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  } catch {
    root.append(Object.assign(document.createElement("style"), { textContent: css }));
  }
}

/** Apply the article's settings (d.thread.settings of a thread page) to the mounted thread T. */
export function on(T, d) {
  const s = d.thread.settings;
  const { t } = i18n(T.ctx.lang);
  const root = T.top.el.getRootNode();
  if (!T.ed) {
    T.ed = h("div", { class: "ed" });
    T.top.el.before(T.ed);
    adopt(root, CSS);
    // The slow mode's wait, from the answer's retry_after, in the reader's own words.
    const err = T.L.err;
    T.L.err = (e) => (e.code === "slow_mode" ? t("e_wait", { n: Math.max(1, Math.ceil((e.retry_after || 60) / 60)) })
      : e.code === "thread_closed" ? t("e_closed") : err(e));
    T.on = (rec) => {
      const { c } = rec;
      if (c.featured && c.status === "published") {
        rec.art.querySelector(".meta")?.append(h("span", { class: "badge" }, t("s_featured")));
        if (c.featured_note) rec.body.after(h("p", { class: "pick" }, t("e_note", { note: c.featured_note })));
      }
      if (T.shut) rec.rbtn?.remove();
    };
  }
  if (s.images === false && !T.noImg) adopt(root, ".addpic{display:none}"), (T.noImg = true);
  T.shut = s.closed;
  T.top.el.hidden = s.closed;
  T.ed.replaceChildren();
  if (s.message_html) {
    const box = h("div", { class: "note", role: "note", "aria-label": t("e_msg") }, h("div", { class: "md" }));
    box.firstChild.innerHTML = s.message_html; // sanitized by the server, like comments
    T.ed.append(box);
  }
  if (s.closed) T.ed.append(h("p", { class: "shut", role: "status" }, t("e_closed")));
  else {
    if (s.premoderated) T.ed.append(h("p", { class: "note" }, t("e_held")));
    if (s.slow_mode_minutes) T.ed.append(h("p", { class: "note" }, t("e_slow", { n: s.slow_mode_minutes })));
  }
  if (s.featured_count && !T.tabs.some((b) => b.dataset.sort === "featured")) {
    const tab = h("button", { type: "button", role: "tab", id: uid(), "data-sort": "featured", "aria-controls": T.tabs[0].getAttribute("aria-controls"),
      "aria-selected": "false", tabindex: "-1", onclick: () => T.choose("featured") }, t("s_featured"));
    T.tabs.push(tab);
    T.tabs[0].parentNode.append(tab);
  }
  for (const rec of T.S.recs.values()) T.render(rec); // badges, notes and reply buttons as now set
}
