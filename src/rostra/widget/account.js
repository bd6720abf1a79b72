// Reader sign-in (issue 10). Loaded only when the page asks for it: the publisher's token
// (<div id="rostra-thread" data-sso-token="…"> or window.Rostra.login(token)), sign-in links by
// email (data-sign-in="email"), the site's OpenID Connect provider (data-sign-in="oidc"; a
// popup), or a mailed link's #rostra-signin= fragment.
import { client, session } from "./api.js";
import { h, store } from "./dom.js";

const base = new URL("..", import.meta.url).href.replace(/\/$/, "");
const api = client(base);
const CSS = ":host{display:block;font:14px/1.4 system-ui,sans-serif;margin:0 0 8px}" +
  "p{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:0}img{width:24px;height:24px;border-radius:50%}" +
  "form{display:flex;flex-wrap:wrap;gap:6px}input{font:inherit}ul{margin:4px 0;padding-left:18px}" +
  "button{font:inherit;background:none;border:0;padding:0;color:inherit;text-decoration:underline;cursor:pointer}";

let bar;

/** Sign in with ``token`` (a JWT the publisher signed for this reader); resolves to the reader. */
export async function login(token, site) {
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
    if (p) root.append(h("p", {}, h("button", { type: "button", onclick: () => popup(host, d.site, p) }, `Sign in with ${p.name}`)));
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
      bar?.shadowRoot?.append(h("p", { role: "alert" }, err.message || "Sign-in failed."));
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
  const email = h("input", { type: "email", name: "email", required: true, placeholder: "Email", "aria-label": "Email" });
  const name = h("input", { name: "name", required: true, maxlength: 100, placeholder: "Name", "aria-label": "Name" });
  const note = h("span", { role: "status" });
  const f = h("form", { onsubmit: async (e) => {
    e.preventDefault();
    try {
      await api.post("/auth/email", { site, email: email.value, name: name.value, page_url: location.href.split("#")[0] });
      note.textContent = "Check your email for the sign-in link.";
    } catch (err) {
      note.textContent = err.message || "Could not send the link.";
    }
  } }, name, email, h("button", { type: "submit" }, "Email me a sign-in link"), note);
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
  bar = h("div", { class: "rostra-account" });
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
    "aria-label": "Picture", onchange: () => picture(host, file.files[0], note).catch((e) => { note.textContent = e.message || "Upload failed."; }) });
  mountBar(host).append(h("p", {},
    reader.avatar && h("img", { src: reader.avatar, alt: "", referrerpolicy: "no-referrer" }),
    h("span", {}, "Signed in as ", h("strong", {}, reader.name)),
    file, btn("Change picture", () => file.click()),
    btn("Remove picture", () => api.del("/me/avatar").then((r) => show(host, r)).catch(() => {})), note,
    btn("My comments", () => mine(list).catch(() => {})),
    btn("Download my data", () => download().catch(() => {})),
    btn("Delete my account", () => forget().catch(() => {})),
    btn("Sign out", () => logout().catch(() => {}))), list);
}

// An uploaded picture (multipart, so not through api.js's JSON calls); the server crops it.
async function picture(host, f, note) {
  if (!f) return;
  const body = new FormData();
  body.append("file", f);
  const res = await fetch(`${base}/api/v1/me/avatar`, { method: "POST", body, credentials: "include", headers: { "X-CSRF-Token": session.csrf } });
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new Error(data?.error?.message || "Upload failed.");
  session.reader = data;
  show(host, data);
}

// The reader's own comments (profile history), newest first.
async function mine(list) {
  list.hidden = !list.hidden;
  if (list.hidden) return;
  const d = await api.get("/me/comments?limit=20");
  list.replaceChildren(...d.comments.map((c) => h("li", {}, h("time", {}, c.created_at.slice(0, 10)), ` ${c.page}: `, c.body.slice(0, 140))));
  if (!d.comments.length) list.append(h("li", {}, "No comments yet."));
}

// The export comes through fetch: the session cookie is partitioned to this page's site.
async function download() {
  const data = await api.get("/me/export");
  const a = h("a", { href: URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" })), download: "my-comments-data.json" });
  a.click();
  URL.revokeObjectURL(a.href);
}

async function forget() {
  if (!confirm("Delete your account and personal data? Your comments are removed or anonymized.")) return;
  await api.del("/me");
  ended();
}
