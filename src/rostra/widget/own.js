// Editing and deleting one's own comment within the edit window: loaded on first use (thread.js).
import { at, tokens } from "./api.js";
import { composer } from "./composer.js";
import { h } from "./dom.js";
import { tables } from "./i18n.js";

const STR = { delQ: "Delete this comment?", delYes: "Yes, delete", saved: "Your changes were saved.", removed: "Your comment was deleted." };
for (const k in STR) tables.en[k] ??= STR[k];

export function edit(T, rec, btn) {
  const { ctx, S, t, render, say } = T;
  const token = tokens.get(rec.c.id);
  if (!token) return render(rec);
  const f = composer(ctx, { mode: "edit", comment: rec.c, token, body: token.b ?? rec.body.textContent,
    start: () => S.touched.add(rec.c.id),
    done(c) {
      if (!c) return;
      rec.c = { ...rec.c, ...c };
      render(rec);
      rec.art.focus();
      say(t("saved"));
    },
    cancel: () => {
      f.el.remove();
      rec.body.hidden = rec.bar.hidden = false;
      btn.focus();
    } });
  rec.body.hidden = rec.bar.hidden = true;
  rec.body.after(f.el);
  f.focus();
}
export function remove(T, rec, btn) {
  const { S, api, t, L, render, say, drop } = T;
  const no = h("button", { type: "button", class: "btn", onclick() {
    box.remove();
    rec.bar.hidden = false;
    btn.focus();
  } }, t("cancel"));
  const yes = h("button", { type: "button", class: "btn danger", onclick: go }, t("delYes"));
  const box = h("div", { class: "confirm", role: "group", "aria-label": t("delQ"),
    onkeydown: (e) => e.key === "Escape" && no.click() }, h("span", {}, t("delQ")), yes, no);
  rec.bar.hidden = true;
  rec.bar.after(box);
  no.focus();
  async function go() {
    if (yes.getAttribute("aria-disabled")) return;
    yes.setAttribute("aria-disabled", "true");
    box.querySelector(".err")?.remove();
    try {
      S.touched.add(rec.c.id);
      await api.del(at(rec.c.id), { "X-Edit-Token": tokens.get(rec.c.id)?.t || "" });
    } catch (e) {
      yes.removeAttribute("aria-disabled");
      return box.append(h("p", { class: "err", role: "alert" }, L.err(e)));
    }
    tokens.drop(rec.c.id);
    if (rec.c.status === "published") T.setCount(S.total - 1);
    if (rec.kids.children.length) {
      rec.c = { ...rec.c, status: "deleted", author: { name: "" }, body_html: "" };
      render(rec);
      rec.art.focus();
    } else drop(rec, true);
    say(t("removed"));
  }
}
