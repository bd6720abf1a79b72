// Rostra loader: imports only the modules the page's placeholders need from <base>/widget/.
(() => {
  "use strict";
  const me = document.currentScript || document.querySelector('script[src*="widget.js"]');
  if (window.Rostra || !me) return; // included twice, or not as a classic script
  const version = "0.1.0";
  // The host page signs its reader in (a JWT it signed): Rostra.login(token).
  window.Rostra = Object.freeze({ version, login: (token, site) => load("account").then((m) => m.login(token, site)) });
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
    if (thread && (td.ssoToken || td.signIn || location.hash.includes("rostra-signin="))) load("account").then((m) => m.start(thread, td)).catch(report);
    let then = (f) => f();
    if (thread) {
      // The first page and thread.js's imports load in parallel with thread.js, not after it;
      // the other features wait until the first comments are shown: a browser opens only six
      // connections, and their work would hold up the thread's first render.
      const q = new URLSearchParams({ site: td.site, page: td.page, sort: "newest", limit: 20 });
      // The page's language, as api.js sends it (a plain tag: no CORS preflight).
      const lang = /^[a-z\d-]{2,35}$/i.test(ctx.lang) ? { "Accept-Language": ctx.lang } : {};
      const first = fetch(`${base}/api/v1/comments?${q}`, { credentials: "include", headers: { Accept: "application/json", ...lang } })
        .then((r) => (r.ok ? r.json() : Promise.reject(r)));
      first.catch(() => {}); // thread.js asks again on failure, and says why
      ["api", "dom", "i18n", "styles", "composer"].forEach((n) => load(n).catch(() => {}));
      const shown = load("thread").then((m) => m.mount(thread, { ...ctx, site: td.site, page: td.page, notify: td.notify === "on", inline: !!inline, first }));
      shown.catch(report);
      then = (f) => shown.then(f, f);
    }
    then(() => {
      // Inline feedback only where the publisher marked the article or fixed feedback points.
      if (inline && thread) load("inline").then((m) => m.mount({ ...ctx, site: td.site, page: td.page })).catch(report);
      const badges = [...document.querySelectorAll("[data-rostra-count][data-page]")]
        .map((el) => ({ el, site: site(el), page: el.dataset.page }))
        .filter((b) => b.site);
      if (badges.length) load("counts").then((m) => m.count(badges, ctx)).catch(report);
      for (const mod of ["support", "latest"]) {
        const els = document.querySelectorAll(`[data-rostra-${mod}]`);
        if (els.length) load(mod).then((m) => els.forEach((el) => m.mount(el, { ...ctx, site: site(el) })), () => {});
      }
    });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start, { once: true });
  else start();
})();
