// Between offsets in the article's text and DOM ranges, for inline feedback (inline.js loads
// this with the passages' placements).

/** The offset in ``art``'s text of the point (node, k). */
export const offset = (art, node, k) => {
  const r = document.createRange();
  r.setStart(art, 0);
  r.setEnd(node, k);
  return r.toString().length;
};

/** The range of ``art``'s text from offset s to e. */
export function rangeAt(art, s, e) {
  const w = document.createTreeWalker(art, NodeFilter.SHOW_TEXT), r = document.createRange();
  let n, o = 0, on;
  while ((n = w.nextNode())) {
    const l = n.data.length;
    if (!on && s < o + l) r.setStart(n, s - o), (on = 1);
    if (on && e <= o + l) return r.setEnd(n, e - o), r;
    o += l;
  }
}

/** Where CSS highlights are missing: wrap each text node's share of the range in a <mark>;
 * elements are left as they are. */
export function mark(r) {
  const w = document.createTreeWalker(r.commonAncestorContainer, NodeFilter.SHOW_TEXT), nodes = [];
  for (let n = w.currentNode; n; n = w.nextNode()) if (n.nodeType === 3 && r.intersectsNode(n)) nodes.push(n);
  const { startContainer: sc, startOffset: so, endContainer: ec, endOffset: eo } = r;
  for (let n of nodes) {
    if (n === ec) n.splitText(eo);
    if (n === sc) n = n.splitText(so);
    if (!n.data.trim() || /^(T[ABR]|SEL)/.test(n.parentNode.nodeName)) continue;
    const m = document.createElement("mark");
    m.dataset.rostra = "";
    n.replaceWith(m);
    m.append(n);
  }
}

/** Undo :func:`mark` everywhere on the page. */
export function unmark() {
  for (const m of document.querySelectorAll("mark[data-rostra]")) {
    const p = m.parentNode;
    m.replaceWith(...m.childNodes);
    p.normalize();
  }
}

/** Where inline counters go: beside the article's lines, never on its words. In the margin
 * when there is room; else (phones) in padding the article gives up. */
export function gutter(art) {
  const rtl = getComputedStyle(art).direction === "rtl", r = art.getBoundingClientRect();
  if ((rtl ? r.left : innerWidth - r.right) < 48) art.style.paddingInlineEnd = "40px";
  const a = art.getBoundingClientRect(), pad = !!art.style.paddingInlineEnd;
  return rtl ? a.left + (pad ? 4 : -36) : a.right + (pad ? -34 : 8);
}
