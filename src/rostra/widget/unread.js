// Unread highlighting (docs/widget.md): comments newer than the newest one this browser showed on
// the reader's last visit get a "New" badge (text, not colour alone). Kept in localStorage only; the server tracks nothing.
// Loaded after each page of the thread is shown (thread.js).
import { mine } from "./api.js";
import { h, store } from "./dom.js";
import { tables } from "./i18n.js";

const STR = { unread: "New", unreadTip: "New since your last visit" };
for (const k in STR) tables.en[k] ??= STR[k];
const KEY = "seen";
const KEEP = 200; // threads remembered; the oldest visits are forgotten first

let since; // the last visit's newest comment time, read once per page view

export function mark(T) {
  const { S, ctx, t } = T;
  const thread = `${ctx.site} ${ctx.page}`;
  const seen = store.get(KEY) || {};
  if (since === undefined) since = seen[thread] || null;
  let newest = since || 0;
  for (const rec of S.recs.values()) {
    const { c } = rec;
    const at = Date.parse(c.created_at) || 0;
    if (at > newest) newest = at;
    const meta = rec.art.querySelector(".meta");
    if (since && at > since && c.status !== "deleted" && !S.mine.has(c.id) && !mine(c.id) && meta && !meta.querySelector(".new")) {
      rec.art.classList.add("unread");
      meta.append(h("span", { class: "badge new", title: t("unreadTip") }, h("span", { "aria-hidden": "true" }, t("unread")), h("span", { class: "sr" }, t("unreadTip"))));
    }
  }
  if (newest && newest !== seen[thread]) {
    delete seen[thread]; // re-added last: the most recent visit
    seen[thread] = newest;
    const keys = Object.keys(seen);
    for (const k of keys.slice(0, Math.max(0, keys.length - KEEP))) delete seen[k];
    store.set(KEY, seen);
  }
}
