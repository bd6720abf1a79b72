// Reader support: the goal bar, preset and custom amounts, and the donate button.
// Money stays a decimal string end to end; numbers are only used to draw and to format.
import { client } from "./api.js";
import { h, uid } from "./dom.js";
import { i18n, tables, want } from "./i18n.js";
import { adopt } from "./styles.js";

const STR = {
  support: "Support {site}",
  ofGoal: "raised of {goal}",
  valueText: "{raised} raised of {goal} goal ({pct}%)",
  donors: { one: "{n} supporter", other: "{n} supporters" },
  milestones: "Milestones",
  reached: "reached",
  amount: "Choose an amount",
  other: "Other amount ({cur})",
  otherShort: "Other ({cur})",
  badAmount: "Enter an amount such as {ex}.",
  showName: "Show my name as a supporter",
  yourName: "Name to show",
  thanksDefault: "Thank you for your support!",
  closed: "This campaign is not taking donations right now.",
  redirecting: "Taking you to the secure payment page…",
  supporters: "Recent supporters",
};
for (const k in STR) tables.en[k] ??= STR[k];

const CSS = `
.sup{border:1px solid var(--ln);border-radius:12px;padding:1.1rem 1.2rem;background:var(--bg)}
.sup h2{font-size:1.25rem;margin:0 0 .2rem}
.sup .sub{margin:0 0 .8rem;color:var(--mu)}
.bar{position:relative;height:.9rem;border-radius:999px;background:var(--sf);border:1px solid var(--ln);margin:1.4rem 0 .5rem}
.fill{height:100%;border-radius:999px;background:var(--a);width:0;transition:width .6s ease}
.ms{position:absolute;top:-1.25rem;transform:translateX(-50%);font-size:.6875rem;color:var(--mu);white-space:nowrap}
.ms::after{content:"";position:absolute;left:50%;top:1.2rem;height:1.05rem;border-left:2px solid var(--ln)}
.ms.end{transform:translateX(-100%)}
.ms.end::after{left:auto;right:0}
.ms.on{color:var(--fg);font-weight:600}
.ms.on::after{border-color:var(--on)}
.nums{margin:.25rem 0 1rem;font-size:.9375rem}
.amts{border:0;padding:0;margin:0 0 .75rem;display:flex;flex-wrap:wrap;gap:.5rem}
.amts legend{font-size:.8125rem;font-weight:600;margin:0 0 .4rem;padding:0}
.own{flex:1 1 9rem}
.chk{display:flex;gap:.5rem;align-items:center;font-size:.875rem;margin:.5rem 0}
.chk input{width:auto}
.go{width:100%;margin-top:.5rem}
.thx{padding:.6rem .8rem;border-left:3px solid var(--a);background:var(--sf);border-radius:4px}
.who{font-size:.8125rem;color:var(--mu);margin:.8rem 0 0}
@media (prefers-reduced-motion:reduce){.fill{transition:none}}
`;

/** Mount the support box in ``el``; options {base, lang, title, site}. */
export async function mount(el, options) {
  if (el.shadowRoot || !options.site) return;
  const root = el.attachShadow({ mode: "open" });
  adopt(root);
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  } catch {
    root.append(h("style", {}, CSS));
  }
  await want(options.base, options.lang);
  const L = i18n(options.lang);
  const { t } = L;
  const api = client(options.base, options.lang);
  const path = `/campaigns/${encodeURIComponent(options.site)}`;
  let c;
  try {
    c = await api.get(path);
  } catch {
    return; // no campaign: the placeholder stays empty and unmarked
  }
  const dec = (c.goal.split(".")[1] || "").length;
  // The campaign's currency in the page's language; round amounts without cents ("£5,000").
  const money = (digits) => {
    try {
      return new Intl.NumberFormat(options.lang, { style: "currency", currency: c.currency, minimumFractionDigits: digits, maximumFractionDigits: digits });
    } catch {
      return { format: (n) => `${n.toFixed(digits)} ${c.currency}` };
    }
  };
  const whole = money(0);
  const exact = money(dec);
  const fmt = (s) => (Number.isInteger(Number(s)) ? whole : exact).format(Number(s));
  const ids = { h: uid(), err: uid() };
  const fill = h("div", { class: "fill" });
  const bar = h("div", { class: "bar", role: "progressbar", "aria-labelledby": ids.h, "aria-valuemin": "0" }, fill);
  const nums = h("p", { class: "nums", "aria-live": "polite" });
  const who = h("p", { class: "who" });
  const marks = c.milestones.map((m) => {
    const tick = h("span", { class: "ms", "data-amount": m }, fmt(m));
    const at = Math.min(100, (Number(m) / Number(c.goal)) * 100);
    tick.style.left = `${at}%`;
    if (at > 85) tick.classList.add("end"); // keep the label inside the box
    bar.append(tick);
    return tick;
  });
  const msList = h("ul", { class: "sr", "aria-label": t("milestones") });

  const draw = () => {
    const goal = Number(c.goal);
    const raised = Number(c.raised);
    const pct = goal > 0 ? Math.floor((raised / goal) * 100) : 0;
    bar.setAttribute("aria-valuemax", String(goal));
    bar.setAttribute("aria-valuenow", String(Math.min(raised, goal)));
    bar.setAttribute("aria-valuetext", t("valueText", { raised: fmt(c.raised), goal: fmt(c.goal), pct: String(pct) }));
    bar.dataset.raised = c.raised;
    fill.style.width = `${Math.min(100, pct)}%`;
    nums.replaceChildren(h("strong", {}, fmt(c.raised)), ` ${t("ofGoal", { goal: fmt(c.goal) })}`,
      c.donor_count ? ` · ${t("donors", { n: c.donor_count })}` : "");
    msList.replaceChildren();
    marks.forEach((tick) => {
      const on = raised >= Number(tick.dataset.amount);
      tick.classList.toggle("on", on);
      msList.append(h("li", {}, fmt(tick.dataset.amount), on ? ` (${t("reached")})` : ""));
    });
    who.textContent = c.public_donors?.length ? `${t("supporters")}: ${c.public_donors.join(", ")}` : "";
  };

  const siteName = c.site_title || options.site;
  const box = h("section", { class: "sup", "aria-labelledby": ids.h, dir: L.rtl && "rtl" },
    h("h2", { id: ids.h }, t("support", { site: siteName })),
    c.title ? h("p", { class: "sub" }, c.title) : null, bar, msList, nums);
  root.append(box);
  el.setAttribute("data-rostra-mounted", ""); // pages may hide the placeholder until then
  if (location.hash === "#rostra-support-thanks") {
    box.append(h("p", { class: "thx", role: "status" }, c.thank_you || t("thanksDefault")));
  }
  draw();

  if (c.accepting) {
    let chosen = c.preset_amounts[1] || c.preset_amounts[0] || "";
    const own = h("input", { class: "own", id: uid(), inputmode: dec ? "decimal" : "numeric", autocomplete: "off", "aria-describedby": ids.err });
    const err = h("p", { class: "err", id: ids.err, role: "alert" });
    const presets = c.preset_amounts.map((a) => h("button", { type: "button", class: "btn", "aria-pressed": String(a === chosen),
      onclick: () => pick(a) }, fmt(a)));
    const pick = (a) => {
      chosen = a;
      own.value = "";
      own.removeAttribute("aria-invalid");
      err.textContent = "";
      presets.forEach((b, i) => b.setAttribute("aria-pressed", String(c.preset_amounts[i] === a)));
    };
    own.addEventListener("input", () => {
      chosen = own.value.trim();
      presets.forEach((b) => b.setAttribute("aria-pressed", "false"));
    });
    const nameBox = h("input", { id: uid(), maxlength: "100", autocomplete: "name", hidden: true, "aria-label": t("yourName") });
    const opt = h("input", { type: "checkbox", onchange: () => { nameBox.hidden = !opt.checked; } });
    const go = h("button", { type: "submit", class: "btn pri go" }, t("support", { site: siteName }));
    const valid = new RegExp(`^\\d{1,8}${dec ? `(\\.\\d{1,${dec}})?` : ""}$`);
    const form = h("form", { novalidate: true },
      h("fieldset", { class: "amts" }, h("legend", {}, t("amount")), ...presets,
        h("label", { class: "sr", for: own.id }, t("other", { cur: c.currency })), own),
      h("label", { class: "chk" }, opt, t("showName")), nameBox, go, err);
    own.placeholder = t("otherShort", { cur: c.currency });
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!valid.test(chosen) || !(Number(chosen) > 0)) {
        own.setAttribute("aria-invalid", "true");
        err.textContent = t("badAmount", { ex: (25).toFixed(dec) });
        own.focus();
        return;
      }
      go.setAttribute("aria-disabled", "true");
      err.textContent = "";
      try {
        const back = location.href.split("#")[0];
        const body = { amount: chosen, currency: c.currency, return_url: back };
        if (opt.checked && nameBox.value.trim()) body.donor_name = nameBox.value.trim();
        const res = await api.post(`${path}/checkout`, body);
        err.textContent = t("redirecting");
        location.assign(res.url);
      } catch (x) {
        err.textContent = L.err(x);
        if (x.field === "amount") own.setAttribute("aria-invalid", "true");
      } finally {
        go.removeAttribute("aria-disabled");
      }
    });
    box.append(form);
  } else {
    box.append(h("p", { class: "sub" }, t("closed")));
  }
  box.append(who);

  // Live totals: every event carries the whole total, so a missed one is healed by the next.
  if (typeof EventSource === "function" && c.events_url) {
    let seen = 0;
    const es = new EventSource(c.events_url);
    es.addEventListener("campaign.updated", (ev) => {
      try {
        const d = JSON.parse(ev.data);
        if (d.id !== c.id || d.as_of < seen) return; // another campaign, or an older reading
        seen = d.as_of;
        c.raised = d.raised;
        c.donor_count = d.donor_count;
        draw();
      } catch {
        /* a malformed event changes nothing */
      }
    });
  }
}
