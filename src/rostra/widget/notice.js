// "Report illegal content" (EU DSA Art. 16): a reasoned notice about one comment, loaded on
// first use (thread.js). The same form is a plain page at /dsa/notice for readers without it.
import { h, uid } from "./dom.js";
import { i18n, tables } from "./i18n.js";

const STR = {
  n_title: "Report illegal content",
  n_intro: "Tell the publisher why this comment is illegal. For rude or off-topic comments, use Report.",
  n_cat: "Kind of illegal content",
  n_pick: "Choose…",
  c_illegal_hate_speech: "Illegal hate speech",
  c_defamation: "Defamation",
  c_privacy_violation: "Privacy violation",
  c_terrorist_content: "Terrorist content",
  c_child_sexual_abuse_material: "Child sexual abuse material",
  c_intellectual_property: "Intellectual property infringement",
  c_scam_fraud: "Scam or fraud",
  c_other: "Other illegal content",
  n_why: "Why is it illegal?",
  n_name: "Your name",
  n_email: "Your email (for the answer)",
  n_faith: "I believe, in good faith, that this notice is accurate and complete.",
  n_send: "Send notice",
  n_done: "Thank you. Your notice's reference is {ref}; the decision will follow by email.",
  n_page: "Open as a page",
};
for (const k in STR) tables.en[k] ??= STR[k];
const CATS = ["illegal_hate_speech", "defamation", "privacy_violation", "terrorist_content",
  "child_sexual_abuse_material", "intellectual_property", "scam_fraud", "other"];
const CSS = ".ntc{margin-top:.5rem;display:grid;gap:.6rem}.ntc .ck{display:flex;gap:.5rem;align-items:start}.ntc .ck input{width:auto}";

export function notice(T, rec, btn) {
  const { ctx, api, say } = T;
  const { t } = i18n(ctx.lang);
  const root = rec.art.getRootNode();
  try {
    const s = new CSSStyleSheet();
    s.replaceSync(CSS);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, s];
  } catch {
    root.append(h("style", {}, CSS));
  }
  const f = {};
  const row = (k, label, el) => ((f[k] = el), el.id = uid(), h("div", {}, h("label", { class: "lab", for: el.id }, label), el));
  const cat = h("select", { required: true }, h("option", { value: "" }, t("n_pick")),
    ...CATS.map((c) => h("option", { value: c }, t(`c_${c}`))));
  const faith = h("input", { type: "checkbox", required: true });
  const cancel = h("button", { type: "button", class: "btn", onclick: close }, t("cancel"));
  const form = h("form", { class: "ntc", "aria-label": t("n_title"), onsubmit: send,
    onkeydown: (e) => e.key === "Escape" && close() },
  h("strong", {}, t("n_title")), h("p", {}, t("n_intro")),
  row("category", t("n_cat"), cat),
  row("explanation", t("n_why"), h("textarea", { required: true, minlength: 10, maxlength: 5000 })),
  row("name", t("n_name"), h("input", { required: true, maxlength: 100, autocomplete: "name" })),
  row("email", t("n_email"), h("input", { type: "email", required: true, autocomplete: "email" })),
  h("label", { class: "ck" }, faith, t("n_faith")),
  h("div", { class: "confirm" }, h("button", { type: "submit", class: "btn" }, t("n_send")), cancel,
    h("a", { href: `${ctx.base}/dsa/notice?${new URLSearchParams({ comment: rec.c.id, lang: ctx.lang })}`, target: "_blank", rel: "noopener" }, t("n_page"))));
  rec.bar.after(form);
  btn.disabled = true;
  cat.focus();
  function close() {
    form.remove();
    btn.disabled = false;
    btn.focus();
  }
  async function send(e) {
    e.preventDefault();
    form.querySelector(".err")?.remove();
    const body = { comment_id: rec.c.id, good_faith: faith.checked };
    for (const k in f) body[k] = f[k].value;
    try {
      const r = await api.post("/dsa/notices", body);
      const done = h("p", {}, t("n_done", { ref: r.reference }));
      form.replaceWith(done);
      say(done.textContent);
    } catch (x) {
      form.append(h("p", { class: "err", role: "alert" }, T.L.err(x)));
    }
  }
}
