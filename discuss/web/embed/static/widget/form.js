/* Part 3 of 4: the comment and reply form, its errors, and placing a new comment. */
Object.assign(Widget.prototype, {
  form(parent) {
    const t = this.t, cfg = this.cfg, id = uid("f"), fields = {};
    const saved = store.get("author");
    const field = (name, label, attrs, hint) => {
      const input = h(attrs.tag || "input", { ...attrs, tag: null, id: id + name, name,
        "aria-describedby": (hint ? `${id + name}h ` : "") + id + name + "e" });
      const err = h("p", { class: "err", id: id + name + "e", hidden: true });
      fields[name] = { input, err };
      return h("div", { class: "fld" }, h("label", { for: id + name }, label), input,
        hint && h("p", { class: "hint", id: id + name + "h" }, hint), err);
    };
    const title = parent ? t("reply_to", { name: parent.c.author.name || t("anonymous") }) : t("write");
    const body = field("body", t("body"), { tag: "textarea", rows: 4 }, t("hint"));
    const pv = h("div", { class: "pv body", "aria-live": "polite", hidden: true });
    const pvBox = h("input", { type: "checkbox", onchange: () => { pv.hidden = !pvBox.checked; preview(); } });
    let timer = null;
    const preview = () => {
      clearTimeout(timer);
      if (pv.hidden) return;
      timer = setTimeout(async () => {
        try {
          pv.innerHTML = (await this.api("POST", "/preview", { body: fields.body.input.value })).data.html;
        } catch { pv.textContent = t("preview_empty"); }
      }, 250);
    };
    fields.body.input.addEventListener("input", preview);
    fields.body.input.addEventListener("focus", () => { rest.hidden = false; });
    const who = h("div", { class: "row" },
      field("author_name", t("name"), { autocomplete: "name", maxlength: "100", value: saved && saved.name }),
      field("author_email", t(cfg.require_email ? "email_required" : "email"),
        { type: "email", autocomplete: "email", maxlength: "254", value: saved && saved.email,
          "aria-required": cfg.require_email ? "true" : null }, t("email_hint")),
      field("author_url", t("website"), { type: "url", autocomplete: "url", maxlength: "500",
        value: saved && saved.url }));
    const remember = h("input", { type: "checkbox", checked: !!saved });
    const honeypot = h("input", { name: "website", tabindex: "-1", autocomplete: "off" });
    const general = h("p", { class: "err", role: "alert" });
    const submit = h("button", { class: "pri" }, t(parent ? "post_reply" : "post"));
    /* The top form opens up (name, email, ...) when the reader starts writing: short on phones. */
    const rest = h("div", { hidden: !parent }, h("label", { class: "chk" }, pvBox, t("preview")), pv,
      who, h("label", { class: "chk" }, remember, t("remember")));
    const form = h("form", { class: "form", novalidate: true, "aria-labelledby": id + "h",
      onsubmit: (e) => { e.preventDefault(); this.submit(form, parent, fields, { remember, honeypot, general, submit, pv, pvBox }); },
      onkeydown: (e) => { if (e.key === "Escape" && parent) this.toggleReply(parent); } },
    h("h3", { id: id + "h" }, title), body, rest,
    h("div", { class: "hp", "aria-hidden": "true" }, h("label", {}, "Leave this field empty", honeypot)),
    general,
    h("div", { class: "acts" }, submit,
      parent && h("button", { type: "button", onclick: () => this.toggleReply(parent) }, t("cancel")),
      /^https?:\/\//.test(cfg.privacy_url || "") && h("a", { class: "small", href: cfg.privacy_url, target: "_blank", rel: "noopener" }, t("privacy"))));
    return form;
  },

  showErrors(fields, general, errors) {
    let first = null;
    for (const [name, messages] of Object.entries(errors)) {
      const f = fields[name];
      if (!f) { general.textContent = messages.join(" "); continue; }
      f.err.textContent = messages.join(" ");
      f.err.hidden = false;
      f.input.setAttribute("aria-invalid", "true");
      first = first || f.input;
    }
    if (first) {
      if (!general.textContent) general.textContent = this.t("fix_fields");
      first.focus();
    }
  },

  async submit(form, parent, fields, parts) {
    const t = this.t, value = (name) => fields[name].input.value.trim() || null;
    parts.general.textContent = "";
    for (const f of Object.values(fields)) { f.err.hidden = true; f.input.removeAttribute("aria-invalid"); }
    if (!value("body")) { this.showErrors(fields, parts.general, { body: [t("body_empty")] }); return; }
    const payload = { site: this.site, thread: this.thread, thread_title: this.title || null,
      thread_url: /^https?:/.test(this.url) ? this.url : null, parent_id: parent ? parent.c.id : null,
      author_name: value("author_name"), author_email: value("author_email"),
      author_url: value("author_url"), body: fields.body.input.value,
      form_token: this.cfg.form_token, website: parts.honeypot.value };
    parts.submit.disabled = true;
    parts.submit.textContent = t("posting");
    try {
      const { status, data } = await this.api("POST", "/comments", payload);
      store.set("author", parts.remember.checked
        ? { name: payload.author_name, email: payload.author_email, url: payload.author_url } : null);
      this.tokens[data.comment.id] = [data.edit_token, Date.now() + this.cfg.edit_window_seconds * 1000];
      store.set("tokens:" + this.site, this.tokens);
      fields.body.input.value = "";
      parts.pvBox.checked = false;
      parts.pv.hidden = true;
      this.added(data.comment, parent, status === 202);
    } catch (error) {
      if (error.status === 422 && error.errors) this.showErrors(fields, parts.general, error.errors);
      else parts.general.textContent = this.problem(error);
    } finally {
      parts.submit.disabled = false;
      parts.submit.textContent = t(parent ? "post_reply" : "post");
    }
  },

  /* Put the reader's new comment where it belongs and move focus to it. */
  added(comment, parent, pending) {
    const depth = parent ? Math.min(parent.depth + 1, this.cfg.max_depth) : 0;
    const li = this.item({ ...comment, replies: [] }, depth, pending);
    const node = this.nodes.get(comment.id);
    node.pending = pending;
    node.src = comment.body;
    if (parent) {
      this.toggleReply(parent);
      if (parent.depth < this.cfg.max_depth) {
        if (!parent.replies) { parent.replies = h("ol", { class: "replies" }); parent.li.append(parent.replies); }
        parent.replies.append(li);
      } else parent.li.parentNode.append(li);
    } else if (this.sort === "newest") this.list.prepend(li);
    else this.list.append(li);
    if (!pending) this.count += 1;
    this.counted();
    node.art.classList.add("new");
    node.art.focus();
    this.say(this.t(pending ? "held" : "published"));
  }
});
