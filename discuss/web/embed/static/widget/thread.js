/* Part 2 of 4: the Widget, which loads a thread and renders, pages, votes on, reports, edits
   and deletes comments. */
class Widget {
  constructor(host) {
    const d = host.dataset;
    this.host = host;
    this.site = d.site;
    this.thread = d.thread || location.pathname;
    this.sort = ["oldest", "newest", "top"].includes(d.sort) ? d.sort : "oldest";
    this.limit = Math.min(Math.max(parseInt(d.limit, 10) || 20, 1), 100);
    const canonical = document.querySelector('link[rel="canonical"]');
    this.url = d.url || (canonical && canonical.href) || location.href.split("#")[0];
    this.title = (d.title || document.title || "").slice(0, 500);
    this.lang = supported(d.lang) || supported(document.documentElement.lang);
    this.t = translator(EN, "en");
    this.nodes = new Map();
    this.times = new Set();
    this.votes = store.get("votes:" + this.site) || {};
    this.tokens = this.liveTokens();
    const root = host.shadowRoot || host.attachShadow({ mode: "open" });
    if ("adoptedStyleSheets" in root) {
      if (!sheet) { sheet = new CSSStyleSheet(); sheet.replaceSync(CSS); }
      root.adoptedStyleSheets = [sheet];
    } else root.append(h("style", {}, CSS));
    const theme = ["light", "dark"].includes(d.theme) ? d.theme : "auto";
    this.el = h("div", { class: `dq ${theme}` });
    root.append(this.el);
    this.load();
    setInterval(() => this.tick(), 1000);
  }

  async api(method, path, body, token) {
    const url = new URL(`${BASE}/api/v1${path}`, location.href);
    url.searchParams.set("site", this.site);
    const headers = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = "Bearer " + token;
    const res = await fetch(url, { method, headers, credentials: "omit",
      body: body === undefined ? undefined : JSON.stringify(body) });
    const data = res.status === 204 ? null : await res.json().catch(() => null);
    if (!res.ok) {
      throw Object.assign(new Error((data && data.detail) || res.statusText),
        { status: res.status, errors: data && data.errors });
    }
    return { status: res.status, data };
  }

  listing(cursor) {
    const q = new URLSearchParams({ thread: this.thread, sort: this.sort, limit: this.limit });
    if (cursor) q.set("cursor", cursor);
    return this.api("GET", "/comments?" + q);
  }

  async load() {
    this.el.replaceChildren(h("p", { class: "small", role: "status" }, this.t("loading")));
    try {
      const thread = new URLSearchParams({ thread: this.thread });
      const [cfg, page, dict] = await Promise.all([
        this.api("GET", "/config?" + thread), this.listing(),
        this.lang ? strings(this.lang) : null]);
      this.cfg = cfg.data;
      this.lang = this.lang || supported(this.cfg.language) || "en";
      this.t = translator(dict || await strings(this.lang), this.lang);
      this.rtf = new Intl.RelativeTimeFormat(this.lang, { numeric: "auto" });
      this.dtf = new Intl.DateTimeFormat(this.lang, { dateStyle: "long", timeStyle: "short" });
      this.render(page.data);
    } catch (error) {
      this.fail(error);
    }
  }

  fail(error) {
    const link = `${BASE}/embed/thread?` + new URLSearchParams({ site: this.site, thread: this.thread });
    const retry = h("button", { type: "button", onclick: () => this.load() }, this.t("retry"));
    this.el.replaceChildren(h("div", { class: "note bad", role: "alert" },
      h("p", {}, this.t("load_error"), " ", error.status ? `(${error.message})` : ""),
      h("p", { class: "acts" }, retry, h("a", { href: link }, this.t("no_js")))));
  }

  render(page) {
    const t = this.t;
    this.count = page.thread.comment_count;
    this.locked = this.cfg.thread.locked;
    this.heading = h("h2", { tabindex: "-1" });
    const sortId = uid("sort");
    const sort = h("select", { id: sortId, onchange: () => { this.sort = sort.value; this.reload(); } },
      ["oldest", "newest", "top"].map((s) =>
        h("option", { value: s, selected: s === this.sort }, t("sort_" + s))));
    this.live = h("div", { class: "hp", role: "status", "aria-live": "polite" });
    this.list = h("ol", { class: "list" });
    this.moreBtn = h("button", { type: "button", onclick: () => this.more() }, t("more"));
    this.moreRow = h("div", { class: "more" }, this.moreBtn);
    this.empty = h("p", { class: "small" }, t("empty"));
    this.el.replaceChildren(
      h("div", { class: "top" }, this.heading,
        h("div", {}, h("label", { for: sortId }, t("sort")), " ", sort)),
      this.locked ? h("p", { class: "note" }, t("closed")) : this.form(null),
      this.empty, this.list, this.moreRow, this.live);
    this.fill(page, false);
  }

  async reload() {
    try { this.fill((await this.listing()).data, false); } catch (error) { this.say(this.problem(error)); }
  }

  async more() {
    this.moreBtn.disabled = true;
    try {
      const first = this.fill((await this.listing(this.cursor)).data, true);
      if (first) first.focus();
    } catch (error) {
      this.say(this.problem(error));
    } finally { this.moreBtn.disabled = false; }
  }

  fill(page, append) {
    if (!append) { this.list.replaceChildren(); this.nodes.clear(); this.times.clear(); }
    const items = page.comments.map((c) => this.item(c, 0));
    this.list.append(...items);
    this.cursor = page.next_cursor;
    this.moreRow.hidden = !this.cursor;
    this.counted();
    return items[0] && items[0].firstChild;
  }

  counted() {
    this.heading.textContent = this.t("comments", { n: this.count });
    this.empty.hidden = this.list.childElementCount > 0;
  }

  say(text) {
    this.live.textContent = "";
    setTimeout(() => { this.live.textContent = text; }, 50);
  }

  problem(error) {
    if (error.status === 429) return this.t("too_fast");
    return error.status && error.message ? error.message : this.t("failed");
  }

  /* One comment with its replies, as an <li>: the article, then a nested list. */
  item(c, depth, pending) {
    const t = this.t, li = h("li"), node = { c, li, depth };
    const art = h("article", { class: "c", id: "discuss-c-" + c.id, tabindex: "-1" });
    node.art = art;
    if (c.deleted) {
      art.append(h("span"), h("p", { class: "gone" }, t("deleted")));
    } else {
      const whoId = uid("who"), name = c.author.name || t("anonymous");
      art.setAttribute("aria-labelledby", whoId);
      const who = /^https?:\/\//i.test(c.author.url || "")
        ? h("a", { class: "who", id: whoId, href: c.author.url, rel: "nofollow ugc noopener" }, name)
        : h("span", { class: "who", id: whoId }, name);
      const date = new Date(c.created_at);
      const when = h("time", { class: "when", datetime: c.created_at, title: this.dtf.format(date) });
      when.date = date;
      this.times.add(when);
      this.stamp(when);
      node.meta = h("div", { class: "meta" }, who, when,
        c.edited_at && h("span", { class: "tag edited" }, t("edited")),
        pending && h("span", { class: "tag" }, t("awaiting")));
      node.body = h("div", { class: "body" });
      node.body.innerHTML = c.html; /* sanitised once by the server at write time */
      node.tools = h("div", { class: "tools" });
      node.main = h("div", {}, node.meta, node.body,
        pending && h("p", { class: "note", tabindex: "-1" }, t("held")), node.tools);
      art.append(avatar(c.author.avatar || ""), node.main);
      this.toolbar(node, pending);
    }
    li.append(art);
    this.nodes.set(c.id, node);
    if (c.replies && c.replies.length) {
      node.replies = h("ol", { class: "replies" }, c.replies.map((r) => this.item(r, depth + 1)));
      li.append(node.replies);
    }
    return li;
  }

  toolbar(node, pending) {
    const t = this.t, id = node.c.id;
    const buttons = [];
    if (!pending) {
      node.voteBtns = [1, -1].map((v) => h("button", { type: "button", "aria-pressed": String(this.votes[id] === v),
        onclick: () => this.vote(node, v) }, t(v > 0 ? "like" : "dislike"), " ", h("span", {})));
      buttons.push(...node.voteBtns);
      if (!this.locked) {
        node.replyBtn = h("button", { type: "button", "aria-expanded": "false",
          onclick: () => this.toggleReply(node) }, t("reply"));
        buttons.push(node.replyBtn);
      }
      node.reportBtn = h("button", { type: "button", "aria-expanded": "false",
        onclick: () => this.toggleReport(node) }, t("report"));
      buttons.push(node.reportBtn);
      this.counts(node, node.c.likes, node.c.dislikes);
    }
    if (this.tokens[id]) {
      node.window = h("p", { class: "small" });
      buttons.push(h("button", { type: "button", onclick: () => this.edit(node) }, t("edit")),
        h("button", { type: "button", onclick: () => this.confirmDelete(node) }, t("delete")));
      node.main.append(node.window);
    }
    node.tools.replaceChildren(...buttons);
    this.countdown(node);
  }

  counts(node, likes, dislikes) {
    node.voteBtns[0].lastChild.textContent = likes;
    node.voteBtns[1].lastChild.textContent = dislikes;
  }

  stamp(el) {
    const s = (el.date - Date.now()) / 1000;
    const unit = UNITS.find(([, n]) => Math.abs(s) >= n);
    el.textContent = unit ? this.rtf.format(Math.round(s / unit[1]), unit[0])
      : this.rtf.format(0, "second");
  }

  tick() {
    this.ticks = (this.ticks || 0) + 1;
    if (this.ticks % 30 === 0) this.times.forEach((el) => this.stamp(el));
    for (const node of this.nodes.values()) if (node.window) this.countdown(node);
  }

  countdown(node) {
    if (!node.window) return;
    const left = (this.tokens[node.c.id] || [0, 0])[1] - Date.now();
    if (left > 0) {
      node.window.textContent = this.t("window", { time: clock(left) });
      return;
    }
    node.window.remove();
    node.window = null;
    this.forget(node.c.id);
    if (node.editor) node.editor.remove();
    node.body.hidden = false;
    this.toolbar(node, node.pending);
  }

  liveTokens() {
    const now = Date.now(), all = store.get("tokens:" + this.site) || {}, live = {};
    for (const [id, entry] of Object.entries(all)) if (entry[1] > now) live[id] = entry;
    store.set("tokens:" + this.site, live);
    return live;
  }

  forget(id) {
    delete this.tokens[id];
    store.set("tokens:" + this.site, this.tokens);
  }

  async vote(node, value) {
    const id = node.c.id, next = this.votes[id] === value ? 0 : value;
    try {
      const { data } = await this.api("POST", `/comments/${id}/vote`, { value: next });
      this.counts(node, data.likes, data.dislikes);
      this.votes[id] = next;
      store.set("votes:" + this.site, this.votes);
      node.voteBtns.forEach((b, i) => b.setAttribute("aria-pressed", String(next === [1, -1][i])));
    } catch (error) { this.say(this.problem(error)); }
  }

  toggleReply(node) {
    if (node.reply) {
      node.reply.remove();
      node.reply = null;
      node.replyBtn.setAttribute("aria-expanded", "false");
      node.replyBtn.focus();
      return;
    }
    node.reply = this.form(node);
    node.main.append(node.reply);
    node.replyBtn.setAttribute("aria-expanded", "true");
    node.reply.querySelector("textarea").focus();
  }

  toggleReport(node) {
    const t = this.t;
    if (node.report) {
      node.report.remove();
      node.report = null;
      node.reportBtn.setAttribute("aria-expanded", "false");
      return;
    }
    const name = uid("r"), noteId = uid("n"), err = h("p", { class: "err", role: "alert" });
    const radios = ["spam", "abuse", "off-topic", "other"].map((r, i) => h("label", { class: "chk" },
      h("input", { type: "radio", name, value: r, checked: i === 0 }), t("reason_" + r)));
    const note = h("input", { id: noteId, maxlength: "1000" });
    const form = h("form", { class: "form", onsubmit: async (e) => {
      e.preventDefault();
      const reason = form.querySelector("input:checked").value;
      try {
        await this.api("POST", `/comments/${node.c.id}/flag`, { reason, note: note.value.trim() || null });
        const done = h("p", { class: "note", tabindex: "-1" }, t("reported"));
        form.replaceWith(done);
        node.report = done;
        node.reportBtn.disabled = true;
        done.focus();
      } catch (error) { err.textContent = this.problem(error); }
    } }, h("fieldset", {}, h("legend", { class: "lbl" }, t("report_why")), radios),
    h("div", { class: "fld" }, h("label", { for: noteId }, t("report_note")), note), err,
    h("div", { class: "acts" }, h("button", { class: "pri" }, t("report_send")),
      h("button", { type: "button", onclick: () => this.toggleReport(node) }, t("cancel"))));
    node.report = form;
    node.main.append(form);
    node.reportBtn.setAttribute("aria-expanded", "true");
    form.querySelector("input").focus();
  }

  /* The comment form; with a parent node it is a reply form under that comment. */
  async edit(node) {
    const t = this.t, id = node.c.id, token = (this.tokens[id] || [])[0];
    if (!token || node.editor) return;
    try {
      if (node.src == null) node.src = (await this.api("GET", `/comments/${id}`, undefined, token)).data.body;
    } catch (error) { this.say(this.problem(error)); return; }
    const taId = uid("e"), err = h("p", { class: "err", id: taId + "e", role: "alert" });
    const ta = h("textarea", { id: taId, rows: 4, "aria-describedby": taId + "e" });
    ta.value = node.src;
    const close = () => { editor.remove(); node.editor = null; node.body.hidden = false; };
    const editor = h("form", { class: "form", novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      try {
        const { data } = await this.api("PATCH", `/comments/${id}`, { body: ta.value }, token);
        node.src = data.body;
        node.body.innerHTML = data.html; /* sanitised by the server */
        if (!node.meta.querySelector(".edited")) node.meta.append(h("span", { class: "tag edited" }, t("edited")));
        close();
        node.art.focus();
        this.say(t("saved"));
      } catch (error) {
        err.textContent = error.errors ? Object.values(error.errors).flat().join(" ") : this.problem(error);
        ta.setAttribute("aria-invalid", "true");
        ta.focus();
      }
    } }, h("label", { class: "lbl", for: taId }, t("body")), ta, err,
    h("div", { class: "acts" }, h("button", { class: "pri" }, t("save")),
      h("button", { type: "button", onclick: () => { close(); node.art.focus(); } }, t("cancel"))));
    node.editor = editor;
    node.body.hidden = true;
    node.body.after(editor);
    ta.focus();
  }

  confirmDelete(node) {
    const t = this.t, tools = [...node.tools.childNodes];
    const keep = h("button", { type: "button", onclick: () => node.tools.replaceChildren(...tools) }, t("delete_no"));
    const yes = h("button", { type: "button", class: "pri", onclick: () => this.remove(node) }, t("delete_yes"));
    node.tools.replaceChildren(h("span", { class: "small" }, t("delete_confirm")), yes, keep);
    yes.focus();
  }

  async remove(node) {
    const id = node.c.id;
    try {
      await this.api("DELETE", `/comments/${id}`, undefined, (this.tokens[id] || [])[0]);
    } catch (error) { this.say(this.problem(error)); return; }
    this.forget(id);
    if (!node.pending) this.count -= 1;
    if (node.replies && node.replies.childElementCount) {
      node.art.replaceChildren(h("span"), h("p", { class: "gone" }, this.t("deleted")));
      node.window = null;
    } else {
      node.li.remove();
      this.nodes.delete(id);
    }
    this.counted();
    this.heading.focus();
    this.say(this.t("removed"));
  }
}
