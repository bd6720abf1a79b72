import { client } from "./api.js";
import { i18n, tables, want } from "./i18n.js";

tables.en.label ??= { one: "{n} comment", other: "{n} comments" };

/** Fill badges {el, site, page}: one request per site and 100 pages. */
export async function count(badges, ctx) {
  await want(ctx.base, ctx.lang);
  const L = i18n(ctx.lang);
  const api = client(ctx.base, ctx.lang);
  const bySite = new Map();
  for (const b of badges) bySite.set(b.site, [...(bySite.get(b.site) || []), b]);
  await Promise.all([...bySite].map(async ([site, group]) => {
    const pages = [...new Set(group.map((b) => b.page))];
    const counts = {};
    for (let i = 0; i < pages.length; i += 100) {
      try {
        Object.assign(counts, (await api.post("/counts", { site, pages: pages.slice(i, i + 100) })).counts);
      } catch {
        /* leave them as they are */
      }
    }
    for (const { el, page } of group) {
      const n = counts[page];
      if (typeof n !== "number") continue;
      el.textContent = el.dataset.rostraCount === "label" ? L.t("label", { n }) : L.num(n);
    }
  }));
}
