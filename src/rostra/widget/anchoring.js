// Re-anchoring in the browser: a mirror of rostra.domain.anchoring, which is the reference.
// tests/data/anchoring_cases.json holds the cases both must answer alike (tests/e2e/test_inline.py).
const occ = (t, s) => {
  const r = [];
  for (let i = t.indexOf(s); i >= 0; i = t.indexOf(s, i + 1)) {
    if (r.length === 64) return [];
    r.push(i);
  }
  return r;
};
const same = (a, b, back) => {
  let k = 0;
  const x = (s, i) => s[back ? s.length - 1 - i : i];
  while (k < a.length && k < b.length && x(a, k) === x(b, k)) k++;
  return k;
};
function lev(a, b, k) {
  if (Math.abs(a.length - b.length) > k) return k + 1;
  let p = [...Array(b.length + 1).keys()];
  for (let i = 1; i <= a.length; i++) {
    const q = [i];
    for (let j = 1; j <= b.length; j++) {
      q[j] = Math.abs(i - j) > k ? k + 1 : Math.min(p[j] + 1, q[j - 1] + 1, p[j - 1] + (a[i - 1] !== b[j - 1]));
    }
    p = q;
  }
  return Math.min(p[b.length], k + 1);
}
/** Where anchor a is in text t now: {start, end, method}, or null when orphaned. */
export function place(t, a) {
  const x = a.exact || "", n = x.length, pre = a.prefix || "", suf = a.suffix || "";
  if (!n) return null;
  const hit = (start, end, method) => ({ start, end, method });
  if (a.start != null && t.slice(a.start, a.end) === x) return hit(a.start, a.end, "position");
  let top = -1, best = [];
  for (const i of all(t, x)) {
    const s = same(pre, t.slice(Math.max(0, i - pre.length), i), 1) + same(suf, t.slice(i + n, i + n + suf.length));
    if (s > top) (top = s), (best = [i]);
    else if (s === top) best.push(i);
  }
  if (best.length > 1) {
    if (a.start == null) return null;
    best.sort((p, q) => Math.abs(p - a.start) - Math.abs(q - a.start) || p - q);
  }
  if (best.length) return hit(best[0], best[0] + n, "quote");
  if (n < 10) return null;
  const lim = Math.floor(n * 0.25), s = Math.min(16, Math.floor(n / 3));
  const starts = new Set(occ(t, x.slice(0, s)));
  const ends = new Set(occ(t, x.slice(-s)).map((i) => i + s));
  const b4 = pre.slice(-16), af = suf.slice(0, 16);
  if (b4.length >= 4) for (const i of occ(t, b4)) starts.add(i + b4.length);
  if (af.length >= 4) for (const i of occ(t, af)) ends.add(i);
  const es = [...ends].sort((p, q) => p - q), cs = [];
  let scored = 0;
  for (const st of [...starts].sort((p, q) => p - q)) {
    for (const e of es) {
      if (e < st + n - lim || e > st + n + lim || e <= st) continue;
      if (++scored > 256) return null;
      const d = lev(x, t.slice(st, e), lim);
      if (d <= lim) cs.push([d, st, e]);
    }
  }
  if (!cs.length) return null;
  const [, bs, be] = cs.sort((p, q) => p[0] - q[0] || p[1] - q[1] || p[2] - q[2])[0];
  return cs.some(([, s2, e2]) => e2 <= bs || s2 >= be) ? null : hit(bs, be, "fuzzy");
}
// Every occurrence (uncapped), for the quote step.
const all = (t, s) => {
  const r = [];
  for (let i = t.indexOf(s); i >= 0; i = t.indexOf(s, i + 1)) r.push(i);
  return r;
};
