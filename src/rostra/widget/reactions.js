// Reactions beside votes (docs/widget.md): the site's small set, one per reader and comment, with
// counts and a "Most reacted" tab. Loaded only where the site offers reactions (thread.js).
import { at, mine } from "./api.js";
import { h, uid } from "./dom.js";
import { tables } from "./i18n.js";

const STR = {
  s_reactions: "Most reacted",
  rx: "Reactions",
  rxAdd: "React",
  rxPick: "Choose a reaction",
  rxN: { one: "{r}: {n} reaction", other: "{r}: {n} reactions" },
};
for (const k in STR) tables.en[k] ??= STR[k];

const STYLE = `.rx{display:inline-flex;flex-wrap:wrap;align-items:center;gap:.3rem}
.rx button,.rx span{display:inline-flex;align-items:center;gap:.25rem;min-height:2rem;padding:0 .55rem;border:1px solid var(--ln);border-radius:999px;background:none;font-size:.8125rem;font-variant-numeric:tabular-nums}
.rx button:hover{border-color:var(--mu);background:var(--sf)}
.rx [aria-pressed=true]{border-color:var(--a);background:color-mix(in srgb,var(--a) 12%,transparent);font-weight:700}
.rx .act{border-style:dashed;color:var(--mu)}
.rx b{font-weight:inherit}
.rxpick{display:inline-flex;flex-wrap:wrap;gap:.3rem}
[role=tablist]{flex-wrap:wrap;column-gap:1rem}`; // a fourth tab: phones wrap rather than scroll sideways

/** Adds the "Most reacted" tab and the styles; returns draw(rec, bar) for each comment shown. */
export function init(T, offered) {
  const { S, t, tabs } = T;
  const root = tabs[0].getRootNode();
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLE);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  } catch {
    root.append(h("style", {}, STYLE));
  }
  if (!tabs.some((b) => b.dataset.sort === "reactions")) {
    const tab = h("button", { type: "button", role: "tab", id: uid(), "data-sort": "reactions", "aria-selected": "false", tabindex: "-1",
      "aria-controls": tabs[0].getAttribute("aria-controls"), onclick: () => T.choose("reactions") }, t("s_reactions"));
    tabs.at(-1).after(tab);
    tabs.push(tab);
  }

  async function pick(rec, r) {
    if (rec.reacting) return;
    rec.reacting = true;
    try {
      Object.assign(rec.c, await T.api.post(`${at(rec.c.id)}/reaction`, { reaction: rec.c.my_reaction === r ? null : r }));
      draw(rec);
    } catch (e) {
      T.say(T.L.err(e));
    } finally {
      rec.reacting = false;
    }
  }

  function draw(rec, bar) {
    const { c } = rec;
    if (c.status !== "published") return;
    const own = mine(c.id); // one's own comment shows its counts without the buttons
    const counts = c.reactions || {};
    const chip = (r) => {
      const label = t("rxN", { r, n: counts[r] || 0 });
      return offered.includes(r) && !own
        ? h("button", { type: "button", "data-r": r, "aria-pressed": String(c.my_reaction === r), "aria-label": label, title: label, onclick: () => pick(rec, r) }, r, h("b", { "aria-hidden": "true" }, T.L.num(counts[r])))
        : h("span", { role: "img", "aria-label": label, title: label }, `${r} ${T.L.num(counts[r])}`);
    };
    const kids = Object.keys(counts).filter((r) => counts[r] > 0).map(chip);
    if (!own) {
      const unused = offered.filter((r) => !(counts[r] > 0));
      if (unused.length) {
        const box = h("span", { class: "rxpick", role: "group", "aria-label": t("rxPick"), hidden: true },
          ...unused.map((r) => h("button", { type: "button", "data-r": r, "aria-pressed": "false", title: t("rxN", { r, n: 0 }), onclick: () => pick(rec, r) }, r)));
        const add = h("button", { type: "button", class: "act", "aria-expanded": "false", onclick() {
          box.hidden = !box.hidden;
          add.setAttribute("aria-expanded", !box.hidden);
          if (!box.hidden) box.querySelector("button").focus();
        } }, t("rxAdd"));
        box.addEventListener("keydown", (e) => e.key === "Escape" && (add.click(), add.focus()));
        kids.push(add, box);
      }
    }
    const el = h("div", { class: "rx", role: "group", "aria-label": t("rx") }, ...kids);
    // Redrawn after a choice or a live change: focus stays on the same reaction, else "React".
    const had = rec.rx?.contains(root.activeElement) && root.activeElement;
    if (bar) bar.lastElementChild.before(el); // before the replies toggle
    else rec.rx?.replaceWith(el);
    rec.rx = el;
    if (had) ([...el.querySelectorAll("button[data-r]")].find((b) => b.dataset.r === had.dataset.r && !b.closest("[hidden]")) || el.querySelector(".act"))?.focus();
  }

  S.es?.addEventListener("reaction.changed", (e) => {
    let d;
    try {
      d = JSON.parse(e.data);
    } catch {
      return;
    }
    const rec = d && S.recs.get(d.id);
    if (rec?.rx) {
      rec.c.reactions = d.reactions || {};
      draw(rec);
    }
  });
  return draw;
}
