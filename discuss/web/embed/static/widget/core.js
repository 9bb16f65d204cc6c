/* discuss comment widget, part 1 of 4: constants and small helpers.
   /embed.js is these parts in order inside one function scope, with the CSS, English strings
   and language list filled in by the server (discuss/web/embed/assets.py). No build step. */
const CSS = "__CSS__";
const EN = "__STRINGS__";
const LANGS = "__LANGS__";
const me = document.currentScript;
const BASE = me ? me.src.replace(/\/embed\.js([?#].*)?$/, "") : "";
const SVG = "http://www.w3.org/2000/svg";
const UNITS = [["year", 31536e3], ["month", 2592e3], ["week", 604800], ["day", 86400],
  ["hour", 3600], ["minute", 60]];
let sheet = null;
let seq = 0;
const uid = (p) => `dq${++seq}${p}`;

const store = {
  get(key) {
    try { return JSON.parse(localStorage.getItem("discuss:" + key)); } catch { return null; }
  },
  set(key, value) {
    try {
      if (value == null) localStorage.removeItem("discuss:" + key);
      else localStorage.setItem("discuss:" + key, JSON.stringify(value));
    } catch { /* storage disabled: nothing is remembered */ }
  },
};

/* h("tag", {attr, onevent, text}, ...children): every string becomes a text node. */
function h(tag, props, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const kid of kids.flat()) if (kid != null && kid !== false) el.append(kid);
  return el;
}

function svg(tag, attrs) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  return el;
}

/* A symmetric 5x5 identicon drawn from the avatar hash: no request leaves the page. */
function avatar(hash) {
  if (/^https?:\/\//.test(hash)) {
    return h("img", { class: "av", src: hash, alt: "", loading: "lazy", referrerpolicy: "no-referrer" });
  }
  const hue = (parseInt(hash.slice(15, 18), 16) || 0) % 360;
  const el = svg("svg", { class: "av", viewBox: "0 0 5 5", "aria-hidden": "true",
    "shape-rendering": "crispEdges" });
  el.append(svg("rect", { width: 5, height: 5, fill: `hsl(${hue},45%,88%)` }));
  for (let i = 0; i < 15; i++) {
    if (parseInt(hash[i] || "1", 16) % 2) continue;
    const x = Math.floor(i / 5), y = i % 5, fill = `hsl(${hue},55%,38%)`;
    el.append(svg("rect", { x, y, width: 1, height: 1, fill }));
    if (x < 2) el.append(svg("rect", { x: 4 - x, y, width: 1, height: 1, fill }));
  }
  return el;
}

function translator(dict, lang) {
  const plural = new Intl.PluralRules(lang);
  return (key, vars = {}) => {
    let text = dict[key] ?? EN[key] ?? key;
    if (typeof text === "object") text = text[plural.select(vars.n)] ?? text.other;
    return text.replace(/\{(\w+)\}/g, (m, name) => vars[name] ?? m);
  };
}

const supported = (code) => {
  const short = (code || "").toLowerCase().split(/[-_]/)[0];
  return LANGS.includes(short) ? short : null;
};

async function strings(lang) {
  if (lang === "en") return EN;
  try {
    const res = await fetch(`${BASE}/embed/i18n/${lang}.json`, { credentials: "omit" });
    return res.ok ? await res.json() : EN;
  } catch { return EN; }
}

const clock = (ms) => {
  const s = Math.max(0, Math.ceil(ms / 1000)), pad = (n) => String(n).padStart(2, "0");
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)}:${pad(m % 60)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
};
