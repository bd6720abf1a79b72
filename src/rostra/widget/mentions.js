// @mentions (docs/reader-features.md): typing "@" in a comment suggests the names of the people
// who wrote in this thread; choosing one writes "@Name", which the server links to their latest
// comment. Loaded on the first "@" typed (composer.js).
import { h, uid } from "./dom.js";
import { i18n, tables } from "./i18n.js";

const STR = { m_list: "People in this thread" };
for (const k in STR) tables.en[k] ??= STR[k];
const STYLE = `.mlist{margin:.25rem 0 0;padding:.25rem;border:1px solid var(--ln);border-radius:8px;background:var(--bg);box-shadow:0 4px 14px #0002;max-height:12rem;overflow:auto}
.mlist li{padding:.35rem .6rem;border-radius:6px;cursor:pointer}
.mlist [aria-selected=true]{background:var(--sf);outline:2px solid var(--a);outline-offset:-2px}`;

const known = new Map(); // "site page" → Promise of the thread's authors, asked once per page view
const TOKEN = /(?:^|[^\w@])@([^@\n]{0,40})$/;

export function attach(ta, ctx) {
  if (ta.dataset.mentions) return;
  ta.dataset.mentions = "on";
  const { t } = i18n(ctx.lang);
  const root = ta.getRootNode();
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLE);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  } catch {
    root.append(h("style", {}, STYLE));
  }
  const key = `${ctx.site} ${ctx.page}`;
  if (!known.has(key)) {
    const q = new URLSearchParams({ site: ctx.site, page: ctx.page });
    known.set(key, ctx.api.get(`/mentions?${q}`).then((d) => d.authors || [], () => (known.delete(key), [])));
  }
  const list = h("ul", { class: "mlist", role: "listbox", id: uid(), "aria-label": t("m_list"), hidden: true });
  ta.after(list);
  ta.setAttribute("aria-autocomplete", "list");
  ta.setAttribute("aria-controls", list.id);
  let shown = [];
  let active = -1;
  let typed = null; // the "@…" being completed: [start, end]

  const close = () => {
    list.hidden = true;
    shown = [];
    active = -1;
    ta.removeAttribute("aria-activedescendant");
  };
  const highlight = (i) => {
    active = i;
    [...list.children].forEach((li, j) => li.setAttribute("aria-selected", String(j === i)));
    const li = list.children[i];
    if (li) {
      ta.setAttribute("aria-activedescendant", li.id);
      li.scrollIntoView({ block: "nearest" });
    }
  };
  const pick = (author) => {
    const [start, end] = typed;
    const text = `@${author.name} `;
    ta.value = ta.value.slice(0, start) + text + ta.value.slice(end);
    ta.selectionStart = ta.selectionEnd = start + text.length;
    ta.dispatchEvent(new Event("input", { bubbles: true }));
    close();
    ta.focus();
  };

  async function suggest() {
    const before = ta.value.slice(0, ta.selectionStart);
    const m = ta.selectionStart === ta.selectionEnd && TOKEN.exec(before);
    if (!m) return close();
    const query = m[1].toLowerCase();
    const authors = await known.get(key);
    if (ta.value.slice(0, ta.selectionStart) !== before) return; // typed on meanwhile
    shown = authors.filter((a) => {
      const name = a.name.toLowerCase();
      return name.startsWith(query) || name.split(/\s+/).some((w) => w.startsWith(query));
    }).slice(0, 8);
    if (!shown.length) return close();
    typed = [before.length - m[1].length - 1, ta.selectionStart];
    list.replaceChildren(...shown.map((a) => h("li", { role: "option", id: uid(), "aria-selected": "false",
      onmousedown: (e) => (e.preventDefault(), pick(a)) }, a.name)));
    list.hidden = false;
    highlight(0);
  }

  ta.addEventListener("input", (e) => e.isTrusted !== false && suggest());
  ta.addEventListener("click", suggest);
  ta.addEventListener("blur", () => setTimeout(close, 150));
  ta.addEventListener("keydown", (e) => {
    if (list.hidden || !shown.length) return;
    const step = { ArrowDown: 1, ArrowUp: -1 }[e.key];
    if (step) highlight((active + step + shown.length) % shown.length);
    else if ((e.key === "Enter" && !e.ctrlKey && !e.metaKey) || e.key === "Tab") pick(shown[Math.max(active, 0)]);
    else if (e.key === "Escape") close();
    else return;
    e.preventDefault();
    e.stopPropagation(); // Escape closes the list, not the reply form
  });
  suggest();
}
