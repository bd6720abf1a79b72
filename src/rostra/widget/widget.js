// Rostra loader: imports only the modules the page's placeholders need from <base>/widget/.
(() => {
  "use strict";
  const me = document.currentScript || document.querySelector('script[src*="widget.js"]');
  if (window.Rostra || !me) return; // included twice, or not as a classic script
  const version = "0.1.0";
  window.Rostra = Object.freeze({ version });
  const base = new URL(me.src, location.href).href.replace(/\/widget\.js([?#].*)?$/, "");
  const load = (name) => import(`${base}/widget/${name}.js`);
  const report = (e) => console.error("Rostra:", e);

  const start = () => {
    const thread = document.querySelector("#rostra-thread[data-site][data-page]");
    const own = me.dataset;
    const td = thread ? thread.dataset : {};
    const site = (el) => el.dataset.site || td.site || own.site;
    const og = document.querySelector('meta[property="og:title"]');
    const ctx = {
      base,
      lang: td.lang || own.lang || document.documentElement.lang || "en",
      title: (og && og.content) || document.title,
    };
    const inline = document.querySelector("[data-rostra-article],[data-rostra-passage]");
    if (thread) {
      load("thread").then((m) => m.mount(thread, { ...ctx, site: td.site, page: td.page, notify: td.notify === "on", inline: !!inline })).catch(report);
    }
    // Inline feedback only where the publisher marked the article or fixed feedback points.
    if (inline && thread) load("inline").then((m) => m.mount({ ...ctx, site: td.site, page: td.page })).catch(report);
    const badges = [...document.querySelectorAll("[data-rostra-count][data-page]")]
      .map((el) => ({ el, site: site(el), page: el.dataset.page }))
      .filter((b) => b.site);
    if (badges.length) load("counts").then((m) => m.count(badges, ctx)).catch(report);
    const support = document.querySelectorAll("[data-rostra-support]");
    // Optional module: without it (404) the placeholder stays empty.
    if (support.length) {
      load("support").then((m) => support.forEach((el) => m.mount(el, { ...ctx, site: site(el) })), () => {});
    }
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start, { once: true });
  else start();
})();
