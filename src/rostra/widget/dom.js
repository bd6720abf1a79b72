let seq = 0;

export const uid = () => `r${++seq}`;

/** h(tag, {onclick: fn, attr: value}, ...children): strings become text nodes, never HTML. */
export function h(tag, props, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  el.append(...kids.filter((x) => x != null && x !== false));
  return el;
}

export function icon(d) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  const path = document.createElementNS(ns, "path");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  path.setAttribute("d", d);
  svg.append(path);
  return svg;
}

/** localStorage, doing nothing where it is blocked. */
export const store = {
  get(key) {
    try {
      return JSON.parse(localStorage.getItem(`rostra:${key}`));
    } catch {
      return null;
    }
  },
  set(key, value) {
    try {
      localStorage.setItem(`rostra:${key}`, JSON.stringify(value));
    } catch {
      /* remembering is a nicety */
    }
  },
};
