import { at, client, mine, tokens } from "./api.js";
import { composer } from "./composer.js";
import { h, icon, uid } from "./dom.js";
import { i18n, want } from "./i18n.js";
import { adopt } from "./styles.js";

const SORTS = ["newest", "oldest", "votes"];
const MAX_DEPTH = 4; // as the server nests replies: deeper ones join the last level
const UP = "M12 4l7 8h-4v8H9v-8H5z";
const DOWN = "M12 20l-7-8h4V4h6v8h4z";

/** options: {base, site, page, lang, title, notify, inline, first: the loader's prefetch of the first page (a Promise) or null} */
export async function mount(host, options) {
  if (host.shadowRoot) return;
  const root = host.attachShadow({ mode: "open" });
  adopt(root);
  await want(options.base, options.lang);
  const L = i18n(options.lang);
  const { t } = L;
  const ctx = { ...options, L, api: client(options.base, options.lang) };
  // Data-notify="on" forces the "Notify of" choice; otherwise the server says.
  ctx.notifyOn = options.notify ? Promise.resolve(true) : ctx.api.get("/subscriptions/settings").then((s) => !!s.enabled, () => false);
  const { api } = ctx;
  // recs: id → {c: comment, up: parent rec, level, li, art, kids, …}
  const S = { sort: SORTS[0], cursor: null, pages: 0, total: 0, seq: 0, recs: new Map(), mine: new Set(),
    fresh: new Set(), touched: new Set(), inflight: 0, deferred: [], reply: null };

  const status = h("p", { class: "sr", role: "status" });
  let saying;
  const say = (text) => {
    status.textContent = "";
    clearTimeout(saying);
    saying = setTimeout(() => (status.textContent = text), 120);
  };

  const panelId = uid();
  const count = h("h2", { id: uid() }, t("section"));
  const tabs = SORTS.map((s, i) => h("button", {
    type: "button", role: "tab", id: uid(), "data-sort": s, "aria-controls": panelId,
    "aria-selected": String(!i), tabindex: i ? "-1" : "0", onclick: () => choose(s),
  }, t(`s_${s}`)));
  // Comments on passages (anchored=true) / All comments, on pages with inline feedback.
  let only = null;
  const kinds = options.inline ? [true, null].map((v) => h("button", { type: "button", role: "tab", "aria-selected": String(v === only),
    tabindex: v === only ? "0" : "-1", onclick() {
      only = v;
      kinds.forEach((b, i) => (b.setAttribute("aria-selected", b === this), (b.tabIndex = b === this ? 0 : -1)));
      load();
    } }, t(v ? "k_inline" : "k_all"))) : [];
  const news = h("button", { type: "button", class: "news", hidden: true, onclick: () => load(true) });
  const info = h("div", { class: "empty" }, t("loading"));
  const list = h("ol", { class: "list", "aria-labelledby": count.id });
  const panel = h("div", { role: "tabpanel", id: panelId, tabindex: "-1", "aria-labelledby": tabs[0].id }, info, list);
  const more = h("button", { type: "button", class: "btn more", hidden: true, onclick: loadMore }, t("more"));
  const top = composer(ctx, { mode: "new", start, done: (c) => done(c, null) });
  const follow = h("button", { type: "button", class: "act", "data-x": "follow", "aria-expanded": "false", hidden: true }, t("notify"));
  ctx.notifyOn.then((on) => (follow.hidden = !on));
  // Feature modules load on first use (import() of widget/NAME.js); data-x on an element
  // names the module its click loads (report, follow, view).
  const X = (n) => import(`${ctx.base}/widget/${n}.js`);
  root.addEventListener("click", (e) => {
    const el = e.target.closest("[data-x]");
    if (!el || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    X(el.dataset.x).then((m) => m.run(T, el), (e) => say(L.err(e)));
  });
  root.append(h("section", { "aria-label": t("section"), dir: L.rtl && "rtl" },
    top.el,
    h("div", { class: "bar" }, count, kinds[0] && h("div", { role: "tablist", "aria-label": t("kinds"),
      onkeydown: (e) => /^Arrow[LR]/.test(e.key) && kinds[+(e.target === kinds[0])].focus() }, ...kinds),
    h("div", { role: "tablist", "aria-label": t("sortBy"), onkeydown: arrows }, ...tabs), follow),
    h("div", { "aria-live": "polite" }, news),
    panel, more, status, h("a", { href: `${ctx.base}/api/v1/feeds/${ctx.site}?${new URLSearchParams({ page: ctx.page })}` }, "RSS")));

  function arrows(e) {
    const i = tabs.indexOf(e.target);
    const j = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (i < 0 || j === undefined) return;
    e.preventDefault();
    const tab = tabs[(j + tabs.length) % tabs.length];
    tab.focus();
    choose(tab.dataset.sort);
  }
  function choose(sort) {
    if (sort === S.sort) return;
    S.sort = sort;
    for (const tab of tabs) {
      const on = tab.dataset.sort === sort;
      tab.setAttribute("aria-selected", on);
      tab.tabIndex = on ? 0 : -1;
      if (on) panel.setAttribute("aria-labelledby", tab.id);
    }
    load();
  }

  const setCount = (n) => (count.textContent = t("count", { n: (S.total = Math.max(0, n)) }));
  const query = (cursor) => api.get(`/comments?${new URLSearchParams({
    site: ctx.site, page: ctx.page, sort: S.sort, limit: 20, ...(cursor && { cursor }), ...(only && { anchored: true }) })}`);
  const showInfo = (...kids) => {
    info.replaceChildren(...kids);
    info.hidden = !kids.length;
  };
  const settle = () => (list.children.length ? showInfo() : showInfo(t("empty")));

  async function load(focus) {
    const my = ++S.seq;
    panel.setAttribute("aria-busy", "true");
    try {
      const first = options.first;
      options.first = null; // the loader's prefetch serves the first load only
      const d = await (first ? first.catch(() => query(null)) : query(null));
      if (my !== S.seq) return;
      closeReply();
      list.textContent = "";
      S.recs.clear();
      S.fresh.clear();
      S.pages = 0;
      news.hidden = true;
      take(d);
      if (focus) panel.focus();
      go();
    } catch (e) {
      if (my !== S.seq) return;
      list.textContent = "";
      S.recs.clear();
      more.hidden = true;
      showInfo(h("p", {}, t("failed"), " ", L.err(e)), h("button", { type: "button", class: "btn", onclick: () => load(true) }, t("retry")));
    } finally {
      if (my === S.seq) panel.removeAttribute("aria-busy");
    }
  }
  function take(d) {
    if (d.thread?.reactions?.length) S.rx ||= X("reactions").then((m) => m.init(T, d.thread.reactions));
    S.pages++;
    setCount(d.thread?.comment_count ?? 0);
    S.cursor = d.next_cursor || null;
    more.hidden = !S.cursor;
    const added = [];
    for (const c of d.comments || []) {
      if (S.recs.has(c.id)) continue;
      list.append(item(c, null).li);
      added.push(c.id);
    }
    settle();
    X("unread").then((m) => m.mark(T), () => {});
    if (d.thread?.settings) X("editorial").then((m) => m.on(T, d), () => {});
    return added;
  }
  async function loadMore() {
    if (more.getAttribute("aria-disabled")) return;
    const my = S.seq;
    more.setAttribute("aria-disabled", "true");
    more.textContent = t("loading");
    try {
      const d = await query(S.cursor);
      if (my !== S.seq) return;
      const [first] = take(d);
      (S.recs.get(first)?.art || panel).focus();
    } catch (e) {
      say(L.err(e));
    } finally {
      more.removeAttribute("aria-disabled");
      more.textContent = t("more");
    }
  }

  function item(c, up) {
    const rec = { c, up, level: up ? up.level + 1 : 0, li: h("li", { "data-id": c.id }), slot: h("div", { class: "slot" }),
      art: h("article", { class: "c", id: uid(), tabindex: "-1" }), kids: h("ol", { class: "replies", id: uid() }) };
    rec.toggle = h("button", { type: "button", class: "act", "aria-controls": rec.kids.id, onclick: () => fold(rec) });
    S.recs.set(c.id, rec);
    render(rec);
    rec.li.append(rec.art, rec.slot, rec.kids);
    for (const r of c.replies || []) rec.kids.append(item(r, rec).li);
    sync(rec);
    return rec;
  }
  // A permalink (#comment-ID, also in notification mail) opens at its comment.
  function go() {
    const target = /^#comment-([\w-]+)$/.exec(location.hash);
    if (target && S.recs.has(target[1])) reveal(S.recs.get(target[1]));
  }
  addEventListener("hashchange", go);
  function reveal(rec) {
    root.querySelectorAll(".c.target").forEach((el) => el.classList.remove("target"));
    rec.art.classList.add("target");
    rec.art.scrollIntoView({ block: "center" });
  }
  function sync(rec) {
    const n = rec.kids.getElementsByTagName("li").length;
    rec.toggle.hidden = rec.kids.hidden = !n;
    if (n && rec.folded) rec.kids.hidden = true;
    rec.toggle.setAttribute("aria-expanded", !rec.folded);
    rec.toggle.textContent = rec.folded ? t("expand", { n }) : t("collapse");
  }
  function fold(rec) {
    rec.folded = !rec.folded;
    sync(rec);
  }

  function avatar(src, name, gone) {
    if (src && !gone) return h("img", { class: "av", src, alt: "", width: 40, height: 40, loading: "lazy" });
    const words = name.split(/\s+/).filter(Boolean);
    const el = h("span", { class: "av", "aria-hidden": "true" },
      gone ? "–" : words.slice(0, 2).map((w) => [...w][0]).join("").toUpperCase() || "?");
    let hue = 0;
    for (const ch of name) hue = (hue * 31 + ch.codePointAt(0)) % 360;
    el.style.setProperty("--h", hue);
    return el;
  }
  function render(rec) {
    const { c } = rec;
    const gone = c.status === "deleted";
    const a = c.author || {};
    const name = gone ? t("deletedName") : a.name || "";
    const link = !gone && /^https?:\/\//i.test(a.url);
    const nameId = uid();
    const had = rec.art.contains(root.activeElement);
    const parent = c.parent_id && rec.up && c.parent_id !== rec.up.c.id && S.recs.get(c.parent_id);
    rec.art.className = `c ${gone ? "gone" : c.status}`;
    rec.art.setAttribute("aria-labelledby", nameId);
    rec.body = h("div", { class: "body md" });
    if (gone) rec.body.textContent = t("deleted");
    else rec.body.innerHTML = c.body_html || ""; // sanitized by the server: the only HTML we insert
    rec.score = null;
    rec.bar = actions(rec);
    rec.art.replaceChildren(avatar(a.avatar, name, gone), h("div", { class: "main" },
      h("header", { class: "meta" },
        h(link ? "a" : "span", { class: "name", id: nameId, href: link && a.url, rel: link && "nofollow ugc noopener" }, name),
        a.is_staff && !gone && h("span", { class: "badge" }, t("staff")),
        parent && h("span", {}, t("inReplyTo", { name: parent.c.author?.name || t("deletedName") })),
        c.created_at && h("a", { class: "perma", href: `#comment-${c.id}`,
          onclick: (e) => { e.preventDefault(); history.replaceState(null, "", e.currentTarget.href); reveal(rec); } },
        h("time", { datetime: c.created_at, title: L.date(c.created_at) }, L.ago(c.created_at))),
        c.edited_at && !gone && h("span", {}, t("edited"))),
      c.anchor && !gone && h("div", { class: "md" }, h("blockquote", {}, h("a", { href: "#", class: "quote", "data-x": "view" }, c.anchor.exact))),
      rec.body,
      !gone && c.images?.length > 0 && h("div", { class: "imgs" }, ...c.images.map((i) =>
        h("a", { href: new URL(i.url, `${ctx.base}/`).href, "data-x": "view" },
          h("img", { src: new URL(i.thumbnail_url, `${ctx.base}/`).href, alt: i.alt, width: i.thumbnail_width, height: i.thumbnail_height, loading: "lazy" })))),
      c.status === "pending" && h("p", { class: "note" }, t("pending")),
      rec.bar));
    T.on?.(rec);
    if (had) rec.art.focus();
  }
  function actions(rec) {
    const { c } = rec;
    const bar = h("div", { class: "actions" });
    // Loaded on first use: own.js (edit, delete), notice.js (legal notices).
    const lazy = (m, f, b) => () => X(m).then((x) => x[f](T, rec, b), (e) => say(L.err(e)));
    if (c.status === "published") {
      const button = (v) => h("button", { type: "button", class: v > 0 ? "up" : "down",
        "aria-label": t(v > 0 ? "upvote" : "downvote"), onclick: () => vote(rec, v) }, icon(v > 0 ? UP : DOWN));
      // One's own comment shows its score without the vote buttons.
      const own = mine(c.id);
      rec.up1 = own ? null : button(1);
      rec.down1 = own ? null : button(-1);
      rec.score = h("span", { class: "score" });
      rec.rbtn = h("button", { type: "button", class: "act", "aria-expanded": String(S.reply?.rec === rec), onclick: () => reply(rec) }, t("reply"));
      bar.append(h("div", { class: "vote", role: "group", "aria-label": t("votes") }, rec.up1, rec.score, rec.down1), rec.rbtn);
      votes(rec);
      const ill = h("button", { type: "button", class: "act" }, t("illegal"));
      ill.onclick = lazy("notice", "notice", ill);
      bar.append(h("button", { type: "button", class: "act", "data-x": "report" }, t("report")), ill);
    }
    const tok = c.status !== "deleted" && tokens.get(c.id);
    if (tok) {
      const ed = h("button", { type: "button", class: "act" }, t("edit"));
      const del = h("button", { type: "button", class: "act" }, t("del"));
      ed.onclick = lazy("own", "edit", ed);
      del.onclick = lazy("own", "remove", del);
      bar.append(ed, del);
      clearTimeout(rec.timer);
      rec.timer = setTimeout(() => (ed.remove(), del.remove()), Math.min(Date.parse(tok.u) - Date.now(), 2 ** 31 - 1));
    }
    bar.append(rec.toggle);
    S.rx?.then((f) => f(rec, bar));
    return bar;
  }

  function votes(rec) {
    const { c } = rec;
    if (!rec.score) return;
    rec.up1?.setAttribute("aria-pressed", c.my_vote === 1);
    rec.down1?.setAttribute("aria-pressed", c.my_vote === -1);
    rec.score.textContent = L.num(c.score || 0);
    rec.score.title = t("tally", { up: c.upvotes || 0, down: c.downvotes || 0 });
  }
  async function vote(rec, v) {
    if (rec.voting) return;
    rec.voting = true;
    try {
      Object.assign(rec.c, await api.post(`${at(rec.c.id)}/vote`, { value: rec.c.my_vote === v ? 0 : v }));
      votes(rec);
    } catch (e) {
      say(L.err(e));
    } finally {
      rec.voting = false;
    }
  }

  function reply(rec) {
    const again = S.reply?.rec === rec;
    closeReply();
    if (again) return;
    const f = composer(ctx, { mode: "reply", parent: rec.c, author: rec.c.author?.name, start, done: (c) => done(c, rec),
      cancel() {
        closeReply();
        rec.rbtn.focus();
      } });
    S.reply = { rec, f };
    rec.slot.append(f.el);
    rec.rbtn.setAttribute("aria-expanded", "true");
    f.focus();
  }
  function closeReply() {
    if (!S.reply) return;
    S.reply.f.el.remove();
    S.reply.rec.rbtn?.setAttribute("aria-expanded", "false");
    S.reply = null;
  }

  function start() {
    S.inflight++;
  }
  // Live events that arrived during a post wait for it: they may be our own comment.
  function done(c, up) {
    S.inflight--;
    if (c?.id) {
      S.mine.add(c.id);
      if (!S.recs.has(c.id)) add(c, up);
    } else if (c) say(t("pending"));
    if (!S.inflight) S.deferred.splice(0).forEach(created);
  }
  function add(c, up) {
    while (up && up.level >= MAX_DEPTH) up = up.up;
    const rec = item({ ...c, replies: [] }, up);
    if (up) {
      closeReply();
      up.kids.append(rec.li);
      up.folded = false;
      for (let a = up; a; a = a.up) sync(a);
    } else if (S.sort === "newest" || S.cursor) list.prepend(rec.li);
    else list.append(rec.li);
    if (c.status === "published") setCount(S.total + 1);
    settle();
    rec.art.classList.add("fresh");
    rec.art.focus();
    say(t(c.status === "pending" ? "pending" : "posted"));
  }

  const T = { ctx, S, api, t, L, render, say, drop, setCount, top, tabs, choose, query };
  function drop(rec, focus) {
    const next = rec.li.nextElementSibling || rec.li.previousElementSibling;
    rec.li.remove();
    for (const [id, r] of S.recs) if (rec.li.contains(r.li)) S.recs.delete(id);
    for (let a = rec.up; a; a = a.up) sync(a);
    settle();
    if (focus) (next?.firstElementChild || rec.up?.art || panel).focus();
  }

  function created(id) {
    if (S.inflight) return S.deferred.push(id);
    if (S.mine.has(id) || S.recs.has(id) || S.fresh.has(id)) return;
    S.fresh.add(id);
    news.textContent = t("fresh", { n: S.fresh.size });
    news.hidden = false;
  }
  function live() {
    let es;
    try {
      S.es = es = new EventSource(`${ctx.base}/api/v1/events?${new URLSearchParams({ site: ctx.site, page: ctx.page })}`, { withCredentials: true });
    } catch {
      return;
    }
    const on = (name, fn) => es.addEventListener(name, (e) => {
      let d;
      try {
        d = JSON.parse(e.data);
      } catch {
        return;
      }
      if (d?.id) fn(d);
    });
    // Another reader's edit or deletion: refresh.js
    const changed = (gone) => (d) => S.recs.has(d.id) && !S.touched.delete(d.id) && X("refresh").then((m) => m.refresh(T, d.id, gone));
    on("comment.created", (d) => created(d.id));
    on("comment.updated", changed(false));
    on("comment.deleted", changed(true));
    on("vote.changed", (d) => {
      const rec = S.recs.get(d.id);
      if (!rec) return;
      for (const k of ["score", "upvotes", "downvotes"]) if (k in d) rec.c[k] = d[k];
      votes(rec);
    });
  }

  setInterval(() => {
    for (const el of root.querySelectorAll("time")) el.textContent = L.ago(el.dateTime);
  }, 60e3);
  const shown = load();
  if (window.EventSource) live();
  return shown; // the loader starts the other features once the first comments are shown
}
