// A home page's "latest comments" element: the site's newest published comments as plain
// text, each linking to its place in its article. No words of its own: the publisher writes
// the heading around the element.
import { client } from "./api.js";
import { h } from "./dom.js";
import { i18n, want } from "./i18n.js";

/** el: `<div data-rostra-latest="5" data-site="news">`; ctx: {base, lang, site}. */
export async function mount(el, ctx) {
  await want(ctx.base, ctx.lang);
  const L = i18n(ctx.lang);
  const limit = Math.min(20, Math.max(1, parseInt(el.dataset.rostraLatest, 10) || 5));
  try {
    const { comments } = await client(ctx.base, ctx.lang).get(`/latest?${new URLSearchParams({ site: ctx.site, limit })}`);
    el.replaceChildren(h("ol", { class: "rostra-latest" }, ...comments.map((c) =>
      h("li", { "data-id": c.id },
        c.url ? h("a", { href: c.url }, c.excerpt) : c.excerpt,
        " — ", h("span", { class: "author" }, c.author), ", ",
        h("cite", {}, c.page_title || c.page), " ",
        h("time", { datetime: c.created_at }, L.ago(c.created_at))))));
  } catch {
    /* the placeholder stays as the publisher wrote it */
  }
}
