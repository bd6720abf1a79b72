// Loaded on first use (thread.js): an image in a comment opens in a dialog; an inline comment's
// quote leads back to its passage in the article, highlighted.
import { h } from "./dom.js";
import { tables } from "./i18n.js";
import { sheet } from "./sheet.js";

const STR = { v_image: "Image", v_close: "Close", v_gone: "This passage is no longer in the article." };
for (const k in STR) tables.en[k] ??= STR[k];
const STYLE = `dialog.lb{max-width:min(96vw,64rem);max-height:94vh;padding:.75rem;border:0;border-radius:10px;background:var(--bg);color:var(--fg)}
dialog.lb::backdrop{background:#000c}.lb img{display:block;max-width:100%;max-height:calc(94vh - 5rem);margin:auto;height:auto}
.lb p{display:flex;justify-content:space-between;align-items:center;gap:1rem;margin:.5rem 0 0;font-size:.875rem}`;

export function run(T, el) {
  if (el.classList.contains("quote")) return passage(T, el);
  const { t } = T;
  const root = el.getRootNode();
  sheet(root, STYLE);
  const img = el.querySelector("img");
  const close = h("button", { type: "button", class: "btn", onclick: () => box.close() }, t("v_close"));
  const box = h("dialog", { class: "lb", "aria-label": img.alt || t("v_image") },
    h("img", { src: el.href, alt: img.alt }), h("p", {}, h("span", {}, img.alt), close));
  // A click on the backdrop (the dialog itself, outside its content) closes it too.
  box.addEventListener("click", (e) => e.target === box && box.close());
  box.addEventListener("close", () => {
    box.remove();
    el.focus();
  });
  (root.host ? root : document.body).append(box);
  box.showModal(); // modal: Esc closes, the rest of the page is inert
  close.focus();
}

// The passage: a fixed point (data-rostra-passage) or text found again in the article.
async function passage(T, el) {
  const rec = T.S.recs.get(el.closest("li").dataset.id);
  const a = rec.c.anchor;
  const fixed = a.passage && [...document.querySelectorAll("[data-rostra-passage]")].find((p) => p.dataset.rostraPassage === a.passage);
  const art = document.querySelector("[data-rostra-article]");
  let range = null;
  if (!fixed && art) {
    const [{ place }, { rangeAt }] = await Promise.all([import("./anchoring.js"), import("./ranges.js")]);
    const where = place(art.textContent, a);
    range = where && rangeAt(art, where.start, where.end);
  }
  if (!fixed && !range) return T.say(T.t("v_gone"));
  if (!range) (range = new Range()).selectNodeContents(fixed);
  const node = range.startContainer;
  const block = (node.nodeType === 1 ? node : node.parentElement).closest("p,li,blockquote,h2,h3,h4,figure,div") || art;
  sheet(document, "::highlight(rostra-here){background:#ffb000;color:#000}.rostra-here{outline:3px solid #ffb000;outline-offset:3px}");
  document.querySelectorAll(".rostra-here").forEach((x) => x.classList.remove("rostra-here"));
  if (window.Highlight && CSS.highlights) CSS.highlights.set("rostra-here", new Highlight(range));
  else block.classList.add("rostra-here");
  block.scrollIntoView({ block: "center" });
  // Keyboard and screen reader users land on the passage too.
  if (!block.hasAttribute("tabindex")) block.setAttribute("tabindex", "-1");
  block.focus({ preventScroll: true });
}
