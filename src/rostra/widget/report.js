// Reporting a comment with a reason (a fixed set and an optional note): loaded on first use (thread.js).
import { at } from "./api.js";
import { h, uid } from "./dom.js";
import { tables } from "./i18n.js";
import { sheet } from "./sheet.js";

export const REASONS = ["spam", "abuse", "off_topic", "misinformation", "other"];
const STR = {
  reported: "Reported to the moderators",
  r_why: "Why are you reporting this comment?",
  r_spam: "Spam",
  r_abuse: "Abuse or harassment",
  r_off_topic: "Off topic",
  r_misinformation: "False information",
  r_other: "Something else",
  r_note: "Anything else the moderators should know",
  r_send: "Send report",
  r_pick: "Choose a reason.",
};
for (const k in STR) tables.en[k] ??= STR[k];

const CSS = `.report{flex-basis:100%;margin:.4rem 0}.report fieldset{border:0;padding:0;margin:0 0 .6rem}
.pick{display:flex;gap:.5rem;align-items:center;padding:.2rem 0;font-size:.875rem}.pick input{width:auto;display:inline;accent-color:var(--a)}`;

export function run(T, btn) {
  const { S, api, t, L, say } = T;
  sheet(btn.getRootNode(), CSS);
  const rec = S.recs.get(btn.closest("li").dataset.id);
  const open = btn.nextElementSibling?.classList.contains("report");
  if (open) return close(btn.nextElementSibling);
  const name = uid();
  const err = h("p", { class: "err", role: "alert", hidden: true });
  const note = h("textarea", { id: uid(), name: "reason", rows: 2, maxlength: 500 });
  const send = h("button", { type: "submit", class: "btn pri" }, t("r_send"));
  const box = h("form", { class: "report", novalidate: true, onkeydown: (e) => e.key === "Escape" && close(box) },
    h("fieldset", {}, h("legend", { class: "lab" }, t("r_why")),
      ...REASONS.map((r) => h("label", { class: "pick" }, h("input", { type: "radio", name, value: r }), t(`r_${r}`)))),
    h("label", { class: "lab", for: note.id }, t("r_note"), h("span", {}, ` (${t("optional")})`)), note, err,
    h("div", { class: "row" }, h("button", { type: "button", class: "btn", onclick: () => close(box) }, t("cancel")), send));
  box.addEventListener("submit", async (e) => {
    e.preventDefault();
    const category = box.elements[name].value;
    err.hidden = !!category;
    if (!category) return (err.textContent = t("r_pick")), box.querySelector("input").focus();
    if (send.getAttribute("aria-disabled")) return;
    send.setAttribute("aria-disabled", "true");
    try {
      await api.post(`${at(rec.c.id)}/report`, { category, reason: note.value.trim() || null });
    } catch (x) {
      send.removeAttribute("aria-disabled");
      err.textContent = L.err(x);
      return (err.hidden = false);
    }
    box.remove();
    btn.textContent = t("reported");
    btn.disabled = true;
    btn.removeAttribute("aria-expanded");
    rec.art.focus();
    say(t("reported"));
  });
  btn.after(box);
  btn.setAttribute("aria-expanded", "true");
  box.querySelector("input").focus();

  function close(el) {
    el.remove();
    btn.setAttribute("aria-expanded", "false");
    btn.focus();
  }
}
