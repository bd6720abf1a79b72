// Reader sign-in. Loaded only when the page asks for it: the publisher's token
// (<div id="rostra-thread" data-sso-token="…"> or window.Rostra.login(token)), sign-in links by
// email (data-sign-in="email"), the site's OpenID Connect provider (data-sign-in="oidc"; a
// popup), or a mailed link's #rostra-signin= fragment.
import { client, said, session } from "./api.js";
import { h, store } from "./dom.js";
import { i18n, tables, want } from "./i18n.js";

const base = new URL("..", import.meta.url).href.replace(/\/$/, "");
let api = client(base);
const CSS = ":host{display:block;font:14px/1.4 system-ui,sans-serif;margin:0 0 8px}" +
  "p{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:0}img{width:24px;height:24px;border-radius:50%}" +
  "form{display:flex;flex-wrap:wrap;gap:6px}input{font:inherit}ul{margin:4px 0;padding-left:18px}" +
  "button{font:inherit;background:none;border:0;padding:0;color:inherit;text-decoration:underline;cursor:pointer}";

let bar;
const STR = {
  a_with: "Sign in with {name}",
  a_failed: "Sign-in failed.",
  a_check: "Check your email for the sign-in link.",
  a_noSend: "Could not send the link.",
  a_send: "Email me a sign-in link",
  a_picture: "Picture",
  a_upload: "Upload failed.",
  a_as: "Signed in as {name}",
  a_pic: "Change picture",
  a_nopic: "Remove picture",
  a_mine: "My comments",
  a_data: "Download my data",
  a_delete: "Delete my account",
  a_out: "Sign out",
  a_none: "No comments yet.",
  a_sure: "Delete your account and personal data? Your comments are removed or anonymized.",
};
for (const k in STR) tables.en[k] ??= STR[k];
let L = i18n();
let lang = "en";
const t = (k, v) => L.t(k, v);
// The bar speaks the thread's language (data-lang, the loader's, else the page's).
async function speak() {
  lang = document.querySelector("#rostra-thread")?.dataset.lang || document.querySelector("script[src*='widget.js']")?.dataset.lang || document.documentElement.lang || "en";
  await want(base, lang);
  L = i18n(lang);
  api = client(base, lang);
}

/** Sign in with ``token`` (a JWT the publisher signed for this reader); resolves to the reader. */
export async function login(token, site) {
  await speak();
  const host = document.querySelector("#rostra-thread");
  site ||= host?.dataset.site;
  let s;
  try {
    s = await api.post("/auth/sso", { site, token });
  } catch (e) {
    // A page reloaded from cache sends its token again: the session it opened is still ours.
    if (e.code !== "token_replayed") throw e;
    s = await api.get("/me");
  }
  // The composer starts from the remembered author; the server uses the account's name anyway.
  return use(s, host);
}

/** From the loader: the page's SSO token, a mailed link's token in the URL fragment, or
 * (``data-sign-in="email"``) the open session or else a form asking for a link. */
export async function start(host, d) {
  await speak();
  const m = /[#&]rostra-signin=([^&]+)/.exec(location.hash);
  if (d.ssoToken) return login(d.ssoToken, d.site);
  if (m) {
    history.replaceState(null, "", location.href.split("#")[0]); // the link works once
    return use(await api.post("/auth/email/redeem", { site: d.site, token: decodeURIComponent(m[1]) }), host);
  }
  try {
    return use(await api.get("/me"), host);
  } catch {
    const mail = d.signIn?.includes("email");
    const p = (await api.get(`/auth/oidc?site=${encodeURIComponent(d.site)}`).catch(() => null))?.provider;
    const root = p || mail ? mountBar(host) : null;
    if (p) root.append(h("p", {}, h("button", { type: "button", onclick: () => popup(host, d.site, p) }, t("a_with", { name: p.name }))));
    if (mail) form(root, d.site);
  }
}

// The provider's sign-in runs in a popup on our origin; its last page posts a single-use
// token to this page (our origin only, checked here), redeemed here so the session cookie is
// the one this embedded widget's requests carry.
function popup(host, site, p) {
  const origin = new URL(base).origin;
  const win = open(`${base}${p.start_url}&origin=${encodeURIComponent(location.origin)}`, "rostra-oidc", "popup,width=520,height=680");
  const done = async (e) => {
    if (e.origin !== origin || e.source !== win || e.data?.type !== "rostra-oidc") return;
    removeEventListener("message", done);
    try {
      if (e.data.error) throw e.data.error;
      use(await api.post("/auth/oidc/redeem", { site, token: e.data.token }), host);
      host.dispatchEvent(new CustomEvent("rostra:signed-in", { bubbles: true }));
    } catch (err) {
      bar?.shadowRoot?.append(h("p", { role: "alert" }, err.message || t("a_failed")));
    }
  };
  addEventListener("message", done);
}

function use(s, host) {
  session.csrf = s.csrf_token;
  session.reader = s.reader;
  store.set("author", { name: s.reader.name, email: s.reader.email || "" });
  host?.shadowRoot?.querySelectorAll("input[name=author_name]").forEach((i) => { i.value = s.reader.name; });
  show(host, s.reader);
  return s.reader;
}

function form(root, site) {
  const email = h("input", { type: "email", name: "email", required: true, autocomplete: "email", placeholder: t("email"), "aria-label": t("email") });
  const name = h("input", { name: "name", required: true, maxlength: 100, autocomplete: "name", placeholder: t("name"), "aria-label": t("name") });
  const note = h("span", { role: "status" });
  const f = h("form", { onsubmit: async (e) => {
    e.preventDefault();
    try {
      await api.post("/auth/email", { site, email: email.value, name: name.value, page_url: location.href.split("#")[0], lang });
      note.textContent = t("a_check");
    } catch (err) {
      note.textContent = L.err(err) || t("a_noSend");
    }
  } }, name, email, h("button", { type: "submit" }, t("a_send")), note);
  root.append(f);
}

/** End the session (the page's own sign-out should call this too). */
export async function logout() {
  await api.del("/auth/session");
  ended();
}

// Signed out or deleted: forget the account here too (the remembered author included).
function ended() {
  session.csrf = session.reader = null;
  store.set("author", null);
  bar?.remove();
  bar = null;
}

function mountBar(host) {
  bar?.remove();
  bar = h("div", { class: "rostra-account", dir: L.rtl && "rtl" });
  host.before(bar);
  const root = bar.attachShadow({ mode: "open" });
  root.append(h("style", {}, CSS));
  return root;
}

function show(host, reader) {
  if (!host) return;
  const list = h("ul", { hidden: true });
  const btn = (text, onclick) => h("button", { type: "button", onclick }, text);
  const note = h("span", { role: "status" });
  const file = h("input", { type: "file", accept: "image/jpeg,image/png,image/webp,image/gif", hidden: true,
    "aria-label": t("a_picture"), onchange: () => picture(host, file.files[0], note).catch((e) => { note.textContent = e.message || t("a_upload"); }) });
  const [pre, post] = t("a_as").split("{name}");
  mountBar(host).append(h("p", {},
    reader.avatar && h("img", { src: reader.avatar, alt: "", referrerpolicy: "no-referrer" }),
    h("span", {}, pre, h("strong", {}, reader.name), post),
    file, btn(t("a_pic"), () => file.click()),
    btn(t("a_nopic"), () => api.del("/me/avatar").then((r) => show(host, r)).catch(() => {})), note,
    btn(t("a_mine"), () => mine(list).catch(() => {})),
    btn(t("a_data"), () => download().catch(() => {})),
    btn(t("a_delete"), () => forget().catch(() => {})),
    btn(t("a_out"), () => logout().catch(() => {}))), list);
}

// An uploaded picture (multipart, so not through api.js's JSON calls); the server crops it.
async function picture(host, f, note) {
  if (!f) return;
  const body = new FormData();
  body.append("file", f);
  const res = await fetch(`${base}/api/v1/me/avatar`, { method: "POST", body, credentials: "include", headers: { "X-CSRF-Token": session.csrf, ...said(lang) } });
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new Error(data?.error?.message || t("a_upload"));
  session.reader = data;
  show(host, data);
}

// The reader's own comments (profile history), newest first.
async function mine(list) {
  list.hidden = !list.hidden;
  if (list.hidden) return;
  const d = await api.get("/me/comments?limit=20");
  list.replaceChildren(...d.comments.map((c) => h("li", {}, h("time", {}, c.created_at.slice(0, 10)), ` ${c.page}: `, c.body.slice(0, 140))));
  if (!d.comments.length) list.append(h("li", {}, t("a_none")));
}

// The export comes through fetch: the session cookie is partitioned to this page's site.
async function download() {
  const data = await api.get("/me/export");
  const a = h("a", { href: URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" })), download: "my-comments-data.json" });
  a.click();
  URL.revokeObjectURL(a.href);
}

async function forget() {
  if (!confirm(t("a_sure"))) return;
  await api.del("/me");
  ended();
}
