/* discuss comment counts: fills every <span data-discuss-count="thread key"> on the page,
   with one request per site (up to 100 keys each) to /api/v1/counts. No dependencies. */
(() => {
  "use strict";
  const WORDS = "__WORDS__";
  const me = document.currentScript;
  const BASE = me ? me.src.replace(/\/embed\/count\.js([?#].*)?$/, "") : "";
  const SITE = me && me.dataset.site;

  async function fill() {
    const bySite = new Map();
    for (const el of document.querySelectorAll("[data-discuss-count]")) {
      const site = el.dataset.discussSite || SITE;
      if (!site) continue;
      if (!bySite.has(site)) bySite.set(site, []);
      bySite.get(site).push(el);
    }
    const lang = (document.documentElement.lang || "en").toLowerCase().split("-")[0];
    const words = WORDS[lang] || WORDS.en, plural = new Intl.PluralRules(WORDS[lang] ? lang : "en");
    const say = (n) => (words[plural.select(n)] || words.other).replace("{n}", n);
    await Promise.all([...bySite].map(async ([site, els]) => {
      const keys = [...new Set(els.map((el) => el.dataset.discussCount))];
      for (let i = 0; i < keys.length; i += 100) {
        const query = new URLSearchParams({ site });
        keys.slice(i, i + 100).forEach((key) => query.append("thread", key));
        try {
          const res = await fetch(`${BASE}/api/v1/counts?${query}`, { credentials: "omit" });
          if (!res.ok) continue;
          const { counts } = await res.json();
          for (const el of els) {
            const n = counts[el.dataset.discussCount];
            if (n === undefined) continue;
            el.textContent = el.dataset.discussFormat === "number" ? String(n) : say(n);
          }
        } catch { /* the placeholder text stays */ }
      }
    }));
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fill);
  else fill();
})();
