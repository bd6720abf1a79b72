// "Notify of" beside the sort tabs: subscribing without posting a comment (double opt-in, as
// the comment form's choice). Loaded on first use (thread.js).
import { h, store, uid } from "./dom.js";
import { tables } from "./i18n.js";
import { sheet } from "./sheet.js";

const STR = { f_go: "Subscribe", f_busy: "Subscribing…", badEmail: "Please give a valid email address." };
for (const k in STR) tables.en[k] ??= STR[k];
const CSS = ".follow{margin:1rem 0;padding:1rem;border:1px solid var(--ln);border-radius:10px;background:var(--sf)}.follow .ok{margin:.6rem 0 0;font-weight:600}";

export function run(T, btn) {
  const { ctx, api, t, L } = T;
  const bar = btn.closest(".bar");
  if (bar.nextElementSibling?.classList.contains("follow")) return close(bar.nextElementSibling);
  sheet(btn.getRootNode(), CSS);
  const mail = h("input", { id: uid(), type: "email", name: "email", autocomplete: "email", maxlength: 254, required: true, value: store.get("author")?.email || "" });
  const kind = h("select", { id: uid(), name: "kind" }, ...["all", "replies"].map((v) => h("option", { value: v }, t(`n_${v}`))));
  const err = h("p", { class: "err", id: uid(), hidden: true });
  const ok = h("p", { class: "ok", role: "status" });
  const go = h("button", { type: "submit", class: "btn pri" }, t("f_go"));
  const box = h("form", { class: "follow", novalidate: true, onkeydown: (e) => e.key === "Escape" && close(box) },
    h("div", { class: "grid" },
      h("div", {}, h("label", { class: "lab", for: mail.id }, t("email")), mail, err),
      h("div", {}, h("label", { class: "lab", for: kind.id }, t("notify")), kind)),
    h("div", { class: "row" }, h("button", { type: "button", class: "btn", onclick: () => close(box) }, t("cancel")), go), ok);
  const bad = (text) => {
    err.textContent = text;
    err.hidden = false;
    mail.setAttribute("aria-invalid", "true");
    mail.setAttribute("aria-describedby", err.id);
    mail.focus();
  };
  box.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (go.getAttribute("aria-disabled")) return;
    err.hidden = true;
    mail.removeAttribute("aria-invalid");
    mail.removeAttribute("aria-describedby");
    ok.textContent = "";
    const email = mail.value.trim();
    if (!email) return bad(t("needEmail"));
    go.setAttribute("aria-disabled", "true");
    go.textContent = t("f_busy");
    try {
      await api.post("/subscriptions", { site: ctx.site, page: ctx.page, email, kind: kind.value, lang: ctx.lang });
      ok.textContent = t("checkInbox");
    } catch (x) {
      // The server's words name its fields; the reader gets a sentence about the address.
      if (x.field === "email") bad(t("badEmail"));
      else ok.textContent = L.err(x);
    } finally {
      go.removeAttribute("aria-disabled");
      go.textContent = t("f_go");
    }
  });
  bar.after(box);
  btn.setAttribute("aria-expanded", "true");
  mail.focus();

  function close(el) {
    el.remove();
    btn.setAttribute("aria-expanded", "false");
    btn.focus();
  }
}
