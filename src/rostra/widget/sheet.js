// A lazily loaded feature's rules, added once to the shadow root (or document) it draws in.
// Constructable sheets, not <style>: a page's strict Content-Security-Policy allows them.
export function sheet(root, css) {
  try {
    if (root.adoptedStyleSheets.some((s) => s.rostra === css)) return;
    const s = Object.assign(new CSSStyleSheet(), { rostra: css });
    s.replaceSync(css);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, s];
  } catch {} // unstyled beats broken
}
