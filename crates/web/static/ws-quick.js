// Quick replies in the reply box: `/` at the start of the box or after a space opens a menu of the
// agent's quick replies (their own, their teams', the account's), filtered by what follows; ↑/↓
// move, Enter/Tab put the reply's text (variables filled for the open conversation) in place of
// the `/…`, Esc closes. The list is fetched once per conversation. Agents save their own from the
// reply box ("Save as quick reply").

import { ApiError, api } from "./ws-api.js";
import { $, el, t } from "./ws-dom.js";

/** `/` then the word being typed, at the start or after whitespace, right before the caret. */
const TRIGGER = /(^|\s)\/([^\s/]*)$/;
const SHOWN_AT_MOST = 8;

/** The `/…` being typed in `textarea`, or null: `{start, end, query}` (start is the slash). */
export function slashQuery(textarea) {
  if (textarea.selectionStart !== textarea.selectionEnd) return null;
  const end = textarea.selectionStart;
  const match = TRIGGER.exec(textarea.value.slice(0, end));
  if (!match) return null;
  return { start: end - match[2].length - 1, end, query: match[2] };
}

/** The replies whose shortcut or title contains `query`, shortcuts starting with it first. */
export function filterReplies(replies, query) {
  const wanted = query.toLowerCase();
  const hits = replies.filter(
    (r) => String(r.shortcut || "").toLowerCase().includes(wanted) || String(r.title || "").toLowerCase().includes(wanted),
  );
  const rank = (r) => (String(r.shortcut || "").toLowerCase().startsWith(wanted) ? 0 : 1);
  return hits.sort((a, b) => rank(a) - rank(b) || String(a.shortcut).localeCompare(String(b.shortcut)));
}

export class QuickReplies {
  /** hooks: `conversationId()`, `inserted()` (the box's text changed). */
  constructor(hooks) {
    this.hooks = hooks;
    this.textarea = $("ws-reply");
    this.menu = $("ws-quick-menu");
    this.listNode = $("ws-quick-list");
    this.statusNode = $("ws-quick-status");
    /** conversation id → Promise of its list (dropped again when loading failed). */
    this.cache = new Map();
    this.shown = [];
    this.active = 0;
    this.range = null;
    this.textarea.addEventListener("input", () => this.update());
    this.textarea.addEventListener("click", () => this.update());
    // Closed when the focus has left the box for good (not for a click in the menu).
    this.textarea.addEventListener("blur", () =>
      window.setTimeout(() => document.activeElement !== this.textarea && this.close(), 150),
    );
    // A click in the menu must not take the focus from the reply box first.
    this.menu.addEventListener("mousedown", (event) => event.preventDefault());
    new SaveDialog(() => this.forget());
  }

  get isOpen() {
    return !this.menu.hidden;
  }

  /** The list of the conversation, fetched once. */
  load(conversationId) {
    let pending = this.cache.get(conversationId);
    if (!pending) {
      pending = api("GET", "/quick-replies?conversation_id=" + encodeURIComponent(conversationId)).then((list) =>
        Array.isArray(list) ? list : [],
      );
      pending.catch(() => this.cache.delete(conversationId));
      this.cache.set(conversationId, pending);
    }
    return pending;
  }

  /** After a new quick reply was saved: every conversation's list is fetched again. */
  forget() {
    this.cache.clear();
  }

  /** Opens, filters or closes the menu for what is typed before the caret. */
  update() {
    const id = this.hooks.conversationId();
    const range = id ? slashQuery(this.textarea) : null;
    if (!range) {
      this.close();
      return;
    }
    const sameQuery = this.range && this.range.query === range.query && this.isOpen;
    this.range = range;
    if (!sameQuery) this.active = 0;
    this.open();
    if (!this.cache.has(id)) this.status(t("assist.quick.loading"));
    this.load(id)
      .then((replies) => {
        if (this.range !== range || this.hooks.conversationId() !== id) return;
        this.render(filterReplies(replies, range.query), replies.length, range.query);
      })
      .catch(() => {
        if (this.range === range) this.render([], -1, range.query);
      });
  }

  open() {
    this.menu.hidden = false;
    this.textarea.setAttribute("aria-expanded", "true");
  }

  close() {
    this.range = null;
    this.shown = [];
    if (this.menu.hidden) return;
    this.menu.hidden = true;
    this.textarea.setAttribute("aria-expanded", "false");
    this.textarea.removeAttribute("aria-activedescendant");
  }

  status(text) {
    this.statusNode.textContent = text || "";
    this.statusNode.hidden = !text;
    if (text) this.listNode.replaceChildren();
  }

  /** `total`: how many the agent has (-1: the list could not be loaded). */
  render(matches, total, query) {
    this.shown = matches.slice(0, SHOWN_AT_MOST);
    this.active = Math.min(this.active, Math.max(0, this.shown.length - 1));
    if (total < 0) this.status(t("assist.quick.load_failed"));
    else if (total === 0) this.status(t("assist.quick.none"));
    else if (!this.shown.length) this.status(t("assist.quick.no_match", { query }));
    else this.status(null);
    const items = this.shown.map((reply, index) =>
      el(
        "li",
        {
          id: "ws-quick-option-" + index,
          class: "ws-quick-item" + (index === this.active ? " active" : ""),
          role: "option",
          "aria-selected": index === this.active ? "true" : "false",
          dataset: { shortcut: String(reply.shortcut || "") },
          on: { click: () => this.choose(index) },
        },
        el(
          "span",
          { class: "ws-quick-top" },
          el("strong", { class: "ws-quick-shortcut", text: "/" + (reply.shortcut || "") }),
          el("span", { class: "ws-quick-name", text: reply.title || "" }),
          el("span", { class: "ws-quick-scope", text: scopeLabel(reply.scope) }),
        ),
        el("span", { class: "ws-quick-preview", text: replyText(reply) }),
      ),
    );
    this.listNode.replaceChildren(...items);
    this.highlight();
  }

  highlight() {
    this.listNode.querySelectorAll(".ws-quick-item").forEach((node, index) => {
      const active = index === this.active;
      node.classList.toggle("active", active);
      node.setAttribute("aria-selected", active ? "true" : "false");
      if (active) node.scrollIntoView({ block: "nearest" });
    });
    if (this.shown.length) this.textarea.setAttribute("aria-activedescendant", "ws-quick-option-" + this.active);
    else this.textarea.removeAttribute("aria-activedescendant");
  }

  /** The reply box's keys while the menu is open; true when the key was the menu's. */
  keydown(event) {
    if (!this.isOpen || event.isComposing || event.keyCode === 229) return false;
    const count = this.shown.length;
    switch (event.key) {
      case "ArrowDown":
      case "ArrowUp":
        if (!count) return false;
        event.preventDefault();
        this.active = (this.active + (event.key === "ArrowDown" ? 1 : count - 1)) % count;
        this.highlight();
        return true;
      case "Enter":
      case "Tab":
        if (!count || event.shiftKey) return false;
        event.preventDefault();
        this.choose(this.active);
        return true;
      case "Escape":
        event.preventDefault();
        event.stopPropagation();
        this.close();
        return true;
      default:
        return false;
    }
  }

  /** Puts the chosen reply's text in place of the `/…`. */
  choose(index) {
    const reply = this.shown[index];
    const range = this.range || slashQuery(this.textarea);
    if (!reply || !range) return;
    const text = replyText(reply);
    const value = this.textarea.value;
    this.textarea.value = value.slice(0, range.start) + text + value.slice(range.end);
    const caret = range.start + text.length;
    this.textarea.setSelectionRange(caret, caret);
    this.close();
    this.textarea.focus();
    this.hooks.inserted();
  }
}

function replyText(reply) {
  return typeof reply.rendered === "string" ? reply.rendered : String(reply.body || "");
}

function scopeLabel(scope) {
  return ["personal", "team", "account"].includes(scope) ? t("assist.quick.scope." + scope) : "";
}

/** "Save as quick reply": shortcut and title, the body from the reply box; 422 shown by field. */
class SaveDialog {
  constructor(saved) {
    this.saved = saved;
    this.dialog = $("ws-quick-dialog");
    this.form = $("ws-quick-form");
    this.fields = { shortcut: $("ws-quick-shortcut"), title: $("ws-quick-name"), body: $("ws-quick-body") };
    $("ws-quick-save").addEventListener("click", () => this.show());
    $("ws-quick-cancel").addEventListener("click", () => this.dialog.close());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
  }

  show() {
    this.errors({});
    this.problem(null);
    this.fields.shortcut.value = "";
    this.fields.title.value = "";
    this.fields.body.value = $("ws-reply").value.trim();
    if (typeof this.dialog.showModal === "function") this.dialog.showModal();
    else this.dialog.setAttribute("open", "");
    this.fields.shortcut.focus();
  }

  problem(text) {
    const node = $("ws-quick-form-error");
    node.textContent = text || "";
    node.hidden = !text;
  }

  /** Shows each field's message (`fields` from a 422), clearing the others. */
  errors(fields) {
    for (const [name, input] of Object.entries(this.fields)) {
      const message = fields[name] || "";
      const node = $("ws-quick-" + name + "-error");
      node.textContent = message;
      node.hidden = !message;
      input.closest(".field").classList.toggle("invalid", Boolean(message));
      if (message) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
  }

  async submit() {
    const submit = $("ws-quick-submit");
    const body = {
      shortcut: this.fields.shortcut.value.trim(),
      title: this.fields.title.value.trim(),
      body: this.fields.body.value,
    };
    submit.disabled = true;
    try {
      const reply = await api("POST", "/quick-replies", body);
      this.errors({});
      this.saved();
      this.dialog.close();
      const status = $("ws-quick-saved");
      if (status) status.textContent = t("assist.quick.saved", { shortcut: (reply && reply.shortcut) || body.shortcut });
    } catch (error) {
      const fields = error instanceof ApiError && error.fields && typeof error.fields === "object" ? error.fields : {};
      this.errors(fields);
      const known = Object.keys(fields).some((name) => name in this.fields);
      this.problem(known ? t("assist.quick.fix_fields") : t("assist.quick.failed", { reason: error.message || "" }));
      const first = Object.keys(this.fields).find((name) => fields[name]);
      if (first) this.fields[first].focus();
    } finally {
      submit.disabled = false;
    }
  }
}
