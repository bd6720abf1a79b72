// Every string a reader sees; other languages add a table, missing keys fall back to English.
const en = {
  section: "Comments",
  prompt: "Would love your thoughts, please comment.",
  comment: "Your comment",
  count: { one: "{n} Comment", other: "{n} Comments" },
  sortBy: "Sort comments",
  kinds: "Which comments",
  k_inline: "Comments on passages",
  k_all: "All comments",
  s_newest: "Newest",
  s_oldest: "Oldest",
  s_votes: "Most Voted",
  name: "Name",
  email: "Email",
  optional: "optional, never shown",
  website: "Website",
  hint: "Formatting:",
  hintEx: "**bold**, *italic*, [link](https://…), > quote",
  preview: "Preview",
  attach: "Add image",
  previewing: "Loading preview…",
  nothing: "Nothing to preview yet.",
  post: "Post comment",
  postReply: "Post reply",
  save: "Save changes",
  posting: "Posting…",
  saving: "Saving…",
  cancel: "Cancel",
  notify: "Notify of",
  n_none: "Nothing",
  n_all: "New follow-up comments",
  n_replies: "New replies to my comments",
  reply: "Reply",
  replyTo: "Reply to {name}",
  inReplyTo: "in reply to {name}",
  edit: "Edit",
  editLabel: "Edit your comment",
  del: "Delete",
  votes: "Votes",
  upvote: "Upvote",
  downvote: "Downvote",
  tally: "{up} up, {down} down",
  staff: "Staff",
  edited: "(edited)",
  deleted: "This comment was deleted.",
  deletedName: "Deleted",
  pending: "Your comment is awaiting moderation.",
  report: "Report",
  illegal: "Report illegal content",
  posted: "Your comment was posted.",
  collapse: "Collapse",
  expand: { one: "Expand {n} reply", other: "Expand {n} replies" },
  more: "Load more comments",
  loading: "Loading comments…",
  failed: "Comments could not be loaded.",
  retry: "Try again",
  empty: "No comments yet. Be the first to share your thoughts.",
  fresh: { one: "{n} new comment", other: "{n} new comments" },
  needBody: "Please write a comment first.",
  needName: "Please tell us your name.",
  needEmail: "Give your email address to be notified.",
  checkInbox: "Check your inbox to confirm: we sent you a link.",
  network: "The comment server could not be reached. Please try again.",
  error: "Something went wrong. Please try again.",
  justNow: "just now",
};
export const tables = { en }; // feature modules add their English strings, which t reads late

// Other languages' tables load only for pages in them (lang-xx.js); others read English.
export const want = (base, lang) => {
  const l = /^(de|fr|es|it|pt|pl|ru|uk|ar)\b/i.exec(lang)?.[1].toLowerCase();
  return l && !tables[l] ? import(`${base}/widget/lang-${l}.js`).then((m) => { tables[l] = m.table; }, () => {}) : Promise.resolve();
};

const UNITS = [["year", 31536e6], ["month", 2592e6], ["day", 864e5], ["hour", 36e5], ["minute", 6e4]];

export function i18n(lang = "en") {
  lang = String(lang).trim() || "en";
  // Looked up on use: feature modules add their English strings after the thread starts.
  const table = tables[lang] || tables[lang.split("-")[0]] || en;
  const safe = (make) => {
    try {
      return make(lang);
    } catch {
      return make("en");
    }
  };
  const plural = safe((l) => new Intl.PluralRules(l));
  const num = safe((l) => new Intl.NumberFormat(l));
  const rel = safe((l) => new Intl.RelativeTimeFormat(l, { numeric: "auto" }));
  const abs = safe((l) => new Intl.DateTimeFormat(l, { dateStyle: "long", timeStyle: "short" }));

  const t = (key, vars = {}) => {
    let s = table[key] ?? en[key] ?? key;
    if (typeof s === "object") s = s[plural.select(vars.n ?? 0)] ?? s.other;
    return s.replace(/\{(\w+)\}/g, (_, k) => (typeof vars[k] === "number" ? num.format(vars[k]) : vars[k] ?? ""));
  };
  return {
    t,
    rtl: /^(ar|he|fa|ur)\b/i.test(lang),
    num: (n) => num.format(n),
    ago(iso) {
      const d = Date.parse(iso) - Date.now();
      if (!(Math.abs(d) >= 45e3)) return t("justNow");
      for (const [unit, ms] of UNITS) {
        if (Math.abs(d) >= ms || unit === "minute") return rel.format(Math.trunc(d / ms) || Math.sign(d), unit);
      }
    },
    date: (iso) => abs.format(new Date(iso)),
    err: (e) => (e.code === "network" ? t("network") : e.message || t("error")),
  };
}
