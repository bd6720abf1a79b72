// JSON over fetch with cookies: the API may be on another origin, and votes use a cookie.
import { store } from "./dom.js";

// A signed-in reader (account.js): writes carry the session's CSRF token.
export const session = { csrf: null, reader: null };

// The widget's language goes with every call, so the API's messages come back in the page's
// language, not the browser's. Only a plain tag: another value would cost a CORS preflight.
export const said = (lang) => (/^[a-z]{2,3}(-[a-z\d]{1,8})*$/i.test(lang) ? { "Accept-Language": lang } : {});

/** Client for `<base>/api/v1` speaking `lang`; failures throw an Error with the API's code and field. */
export function client(base, lang) {
  const call = async (method, path, body, headers = {}) => {
    const init = { method, credentials: "include", headers: { Accept: "application/json", ...said(lang), ...headers } };
    if (session.csrf && method !== "GET") init.headers["X-CSRF-Token"] = session.csrf;
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(`${base}/api/v1${path}`, init);
    } catch {
      throw Object.assign(new Error(""), { code: "network" });
    }
    const data = res.status === 204 ? null : await res.json().catch(() => null);
    if (!res.ok) {
      const e = data?.error || {};
      throw Object.assign(new Error(e.message || ""), e, { code: e.code || `http_${res.status}`, status: res.status });
    }
    return data;
  };
  return {
    get: (path) => call("GET", path),
    post: (path, body) => call("POST", path, body),
    patch: (path, body, headers) => call("PATCH", path, body, headers),
    del: (path, headers) => call("DELETE", path, undefined, headers),
  };
}

export const at = (id) => `/comments/${encodeURIComponent(id)}`;

// Own comments' edit tokens {id: {t, u: until, b: markdown}}; the API gives back only HTML.
const KEY = "tokens";
const live = () => {
  const all = store.get(KEY) || {};
  for (const id in all) if (!(Date.parse(all[id].u) > Date.now())) delete all[id];
  return all;
};
export const tokens = {
  get: (id) => live()[id],
  set(id, value) {
    const all = live();
    all[id] = value;
    store.set(KEY, all);
  },
  drop(id) {
    const all = live();
    delete all[id];
    store.set(KEY, all);
  },
};

// Comments posted from this browser (mine(id, 1) adds one): readers do not vote on their own.
export const mine = (id, add) => {
  const m = store.get("mine") || [];
  if (add) store.set("mine", [id, ...m].slice(0, 500));
  return m.includes(id);
};
