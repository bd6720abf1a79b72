// Image attachments for the composer, loaded on the first "Add image": upload with progress,
// a preview per image with its alt text and a remove button.
import { said } from "./api.js";
import { h } from "./dom.js";

const MAX = 4;
const TYPES = "image/jpeg,image/png,image/webp,image/gif";
const CSS = `.pics{display:flex;flex-wrap:wrap;gap:.6rem;margin:.5rem 0}.pics:empty{display:none}
.pic{display:flex;flex-direction:column;gap:.3rem;width:8.5rem;font-size:.8125rem}
.pic img{width:8.5rem;height:6rem;object-fit:cover;border-radius:6px;border:1px solid var(--ln);background:var(--sf)}
.pic input{width:100%;min-height:2rem;padding:.2rem .4rem}.pic progress{width:100%}.pic .err{margin:0}`;
const T = {
  add: "Add image", alt: "Describe the image", remove: "Remove image", uploading: "Uploading…",
  tooMany: `At most ${MAX} images per comment.`,
};

function style(node) {
  const root = node.getRootNode();
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  } catch {
    node.before(h("style", {}, CSS));
  }
}

/** XHR, not fetch: only XHR reports upload progress. Resolves with the API's JSON. */
function send(ctx, file, progress) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open("POST", `${ctx.base}/api/v1/images`);
    x.withCredentials = true;
    for (const [k, v] of Object.entries(said(ctx.lang))) x.setRequestHeader(k, v);
    x.upload.onprogress = (e) => e.lengthComputable && (progress.value = e.loaded / e.total);
    x.onerror = () => reject(Object.assign(new Error(""), { code: "network" }));
    x.onload = () => {
      let data = null;
      try { data = JSON.parse(x.responseText); } catch { /* not JSON */ }
      if (x.status === 201 && data) resolve(data);
      else reject(Object.assign(new Error(data?.error?.message || ""), { code: data?.error?.code || `http_${x.status}` }));
    };
    const form = new FormData();
    form.append("file", file);
    x.send(form);
  });
}

/** Attachments shown in ``box``; list() is the comment's "images", clear() empties it. */
export function pics(ctx, box) {
  style(box);
  box.classList.add("pics");
  const items = [];
  const abs = (u) => new URL(u, `${ctx.base}/`).href;

  function add(files) {
    for (const file of files) {
      if (items.length >= MAX) {
        box.append(h("p", { class: "err", role: "alert" }, T.tooMany));
        break;
      }
      const item = { up: null };
      const progress = h("progress", { max: 1, value: 0, "aria-label": T.uploading });
      const alt = h("input", { type: "text", maxlength: 300, placeholder: T.alt, "aria-label": T.alt, name: "alt" });
      const drop = h("button", { type: "button", class: "btn", onclick: () => remove(item) }, T.remove);
      item.el = h("div", { class: "pic" }, h("img", { alt: "" }), progress, alt, drop);
      item.alt = alt;
      items.push(item);
      box.append(item.el);
      item.done = send(ctx, file, progress).then((up) => {
        item.up = up;
        item.el.firstChild.src = abs(up.thumbnail_url);
        progress.remove();
      }, (e) => {
        progress.replaceWith(h("p", { class: "err", role: "alert" }, ctx.L.err(e)));
      });
    }
  }
  function remove(item) {
    items.splice(items.indexOf(item), 1);
    item.el.remove();
  }
  return {
    add,
    /** Waits for uploads still running, then the attachments that succeeded. */
    async list() {
      await Promise.all(items.map((i) => i.done));
      return items.filter((i) => i.up).map((i) => ({ id: i.up.id, upload_token: i.up.upload_token, alt: i.alt.value.trim() || null }));
    },
    clear() {
      items.splice(0).forEach((i) => i.el.remove());
      box.replaceChildren();
    },
    input: () => h("input", { type: "file", accept: TYPES, multiple: true, hidden: true }),
    label: T.add,
    types: TYPES,
  };
}
