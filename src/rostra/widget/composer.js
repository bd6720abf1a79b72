import { at, mine, tokens } from "./api.js";
import { h, store, uid } from "./dom.js";

/** The form; mode "new" | "reply" | "edit". Calls o.start() before a request, o.done(comment|null) after. */
export function composer(ctx, o) {
  const { t } = ctx.L;
  const { mode } = o;
  const edit = mode === "edit";
  let busy = false;
  let began = 0; // first focus of the form: screening holds comments sent faster than a person types
  const open = mode !== "new"; // the top form shows its fields once it is focused
  const errs = new Map();

  const hintId = uid();
  const topErr = h("p", { class: "err top", role: "alert", hidden: true });
  const okNote = h("p", { class: "ok", role: "status", hidden: true });
  const ta = h("textarea", {
    id: uid(), name: "body", rows: edit ? 4 : 3, maxlength: 10000, required: true,
    placeholder: edit ? null : t("prompt"), "aria-describedby": hintId,
    // "@": mentions.js
    oninput: (e) => e.data === "@" && import(`${ctx.base}/widget/mentions.js`).then((m) => m.attach(ta, ctx), () => {}),
  });
  ta.value = edit ? o.body : "";
  const label = h("label", { for: ta.id, class: mode === "reply" ? "rlab" : "sr" },
    mode === "reply" ? t("replyTo", { name: o.author || t("deletedName") }) : t(edit ? "editLabel" : "comment"));
  const preview = h("div", { class: "preview md", hidden: true, "aria-live": "polite", "aria-label": t("preview") });
  const pbtn = h("button", { type: "button", class: "btn", "aria-pressed": "false", onclick: togglePreview }, t("preview"));
  const hint = h("p", { class: "hint", id: hintId }, `${t("hint")} ${t("hintEx")}`);
  const send = h("button", { type: "submit", class: "btn pri" }, t(edit ? "save" : mode === "reply" ? "postReply" : "post"));
  const cancel = o.cancel && h("button", { type: "button", class: "btn", onclick: () => o.cancel() }, t("cancel"));

  const fields = { body: ta };
  const field = (name, text, attrs, note) => {
    const input = h("input", { id: uid(), name, ...attrs });
    fields[name] = input;
    return h("div", {}, h("label", { class: "lab", for: input.id }, text, note && h("span", {}, ` (${note})`)), input);
  };
  const me = store.get("author") || {};
  // "Notify of" shows once the server says it can send mail (ctx.notifyOn).
  const notifyBox = (box) => ((ctx.notifyOn || Promise.resolve(ctx.notify)).then((on) => { box.hidden = !on; }), box);
  const extra = [];
  const picBox = h("div");
  let pics = null;
  let picIn, picBtn; // after "Post" in the tab order: writing comes first
  if (!edit) {
    extra.push(h("div", { class: "grid" },
      field("author_name", t("name"), { autocomplete: "name", required: true, maxlength: 100, value: me.name }),
      field("author_email", t("email"), { type: "email", autocomplete: "email", maxlength: 254, value: me.email }, t("optional")),
      notifyBox(h("div", { class: "wide", hidden: true }, h("label", { class: "lab", for: "n" + hintId }, t("notify")),
        h("select", { id: "n" + hintId, name: "notify" }, ...["none", "all", "replies"].map((v) => h("option", { value: v }, t(`n_${v}`))))))));
    // Images: images.js loads on the first file chosen.
    picIn = h("input", { type: "file", accept: "image/jpeg,image/png,image/webp,image/gif", multiple: true, hidden: true, name: "file",
      onchange: async () => {
        pics ||= (await import(`${ctx.base}/widget/images.js`)).pics(ctx, picBox);
        pics.add([...picIn.files]);
        picIn.value = "";
      } });
    extra.push(h("div", {}, picBox, picIn));
    picBtn = h("button", { type: "button", class: "btn addpic", onclick: () => picIn.click() }, t("attach"));
    // Honeypot for bots
    extra.push(h("div", { class: "hp", "aria-hidden": "true" },
      h("label", {}, t("website"), h("input", { name: "website2", tabindex: "-1", autocomplete: "off" }))));
  }
  const more = h("div", { hidden: !open }, hint, ...extra);
  const row = h("div", { class: "row", hidden: !open }, picBtn, pbtn, cancel, send);
  const form = h("form", { class: "form", novalidate: true }, topErr, label, ta, preview, more, row, okNote);
  form.addEventListener("focusin", () => (more.hidden = row.hidden = false));
  form.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && o.cancel) {
      e.preventDefault();
      o.cancel();
    } else if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && e.target === ta) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("input", (e) => e.target.getAttribute("aria-invalid") && unmark(e.target));

  async function togglePreview() {
    const on = pbtn.getAttribute("aria-pressed") !== "true";
    pbtn.setAttribute("aria-pressed", on);
    ta.hidden = on;
    preview.hidden = !on;
    if (!on) return ta.focus();
    preview.textContent = t("previewing");
    try {
      const { body_html: html } = await ctx.api.post("/preview", { body: ta.value });
      if (pbtn.getAttribute("aria-pressed") !== "true") return;
      if (html) preview.innerHTML = html; // sanitized by the server
      else preview.textContent = t("nothing");
    } catch (e) {
      preview.textContent = ctx.L.err(e);
    }
  }

  function unmark(input) {
    input.removeAttribute("aria-invalid");
    if (input === ta) ta.setAttribute("aria-describedby", hintId);
    else input.removeAttribute("aria-describedby");
    errs.get(input)?.remove();
  }
  function clear() {
    topErr.hidden = true;
    for (const input of errs.keys()) unmark(input);
    errs.clear();
  }
  function fail(e) {
    const input = fields[e.field];
    const text = ctx.L.err(e);
    if (!input) {
      topErr.textContent = text;
      topErr.hidden = false;
      return;
    }
    if (input === ta && ta.hidden) togglePreview();
    const p = h("p", { class: "err", id: uid() }, text);
    input.after(p);
    errs.set(input, p);
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", `${p.id} ${input === ta ? hintId : ""}`.trim());
    input.focus();
  }
  function setBusy(on) {
    busy = on;
    form.setAttribute("aria-busy", on);
    send.setAttribute("aria-disabled", on);
    send.textContent = on ? t(edit ? "saving" : "posting") : t(edit ? "save" : mode === "reply" ? "postReply" : "post");
  }

  form.addEventListener("focusin", () => { began ||= Date.now(); });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (busy) return;
    clear();
    const v = (name) => form.elements[name]?.value.trim() ?? "";
    const body = ta.value.trim();
    if (!body) return fail({ field: "body", message: t("needBody") });
    if (!edit && !v("author_name")) return fail({ field: "author_name", message: t("needName") });
    const notify = v("notify") || "none";
    if (notify !== "none" && !v("author_email")) return fail({ field: "author_email", message: t("needEmail") });
    okNote.hidden = true;
    setBusy(true);
    o.start?.();
    let c = null;
    try {
      if (edit) {
        c = await ctx.api.patch(at(o.comment.id), { body }, { "X-Edit-Token": o.token.t });
        tokens.set(c.id, { ...o.token, b: body });
      } else {
        const author = { name: v("author_name"), email: v("author_email") };
        c = await ctx.api.post("/comments", {
          site: ctx.site, page: ctx.page, page_title: ctx.title || null, parent_id: o.parent?.id ?? null,
          author_name: author.name, author_email: author.email || null, author_url: null, body,
          anchor: o.anchor || null, notify, lang: ctx.lang, website2: form.elements.website2.value,
          elapsed_ms: began ? Date.now() - began : null,
          images: pics ? await pics.list() : [],
        });
        pics?.clear();
        began = 0;
        store.set("author", author);
        if (c?.id) mine(c.id, 1);
        if (c?.id && c.edit_token) {
          tokens.set(c.id, { t: c.edit_token, u: c.editable_until || new Date(Date.now() + 9e5).toISOString(), b: body });
        }
        ta.value = "";
        if (pbtn.getAttribute("aria-pressed") === "true") togglePreview();
        // The subscription waits for the link in the confirmation mail.
        if (notify !== "none") (okNote.textContent = t("checkInbox")), (okNote.hidden = false), (form.elements.notify.value = "none");
      }
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
      o.done?.(c);
    }
  });

  return { el: form, focus: () => ta.focus() };
}
