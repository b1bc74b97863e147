// The reply box and the outbox. A message gets its client_id when the agent sends it and keeps it
// until the server has stored it: resends (after a reconnect, or over REST while the socket is down)
// can never store it twice.

import { ApiError, api, upload } from "./ws-api.js";
import { $, clientId, el, fileSize, t } from "./ws-dom.js";

const TYPING_EVERY_MS = 2000;
const TYPING_IDLE_MS = 4000;
const REST_FALLBACK_MS = 8000;

export class Outbox {
  /** hooks: `socket` (RealtimeSocket), `changed(entry)`, `stored(message)`, `removed(entry)`. */
  constructor(hooks) {
    this.hooks = hooks;
    this.entries = new Map();
    this.byRef = new Map();
    window.setInterval(() => this.fallback(), 2000);
  }

  /** Queues and sends a new message. */
  add(conversationId, text, isPrivate, files) {
    const entry = {
      clientId: clientId(),
      conversationId,
      text,
      private: isPrivate,
      files,
      state: "sending",
      error: null,
      since: Date.now(),
      restBusy: false,
    };
    this.entries.set(entry.clientId, entry);
    this.hooks.changed(entry);
    this.send(entry);
    return entry;
  }

  frame(entry) {
    const frame = { type: "send", conversation_id: entry.conversationId, client_id: entry.clientId, text: entry.text, private: entry.private };
    if (entry.files.length) frame.attachments = entry.files.map((f) => f.id);
    return frame;
  }

  send(entry) {
    entry.state = "sending";
    entry.error = null;
    const ref = this.hooks.socket.send(this.frame(entry));
    if (ref) this.byRef.set(ref, entry.clientId);
  }

  /** After every `welcome`: everything not yet stored goes again, with its own client_id. */
  resendAll() {
    this.byRef.clear();
    for (const entry of this.entries.values()) if (entry.state === "sending") this.send(entry);
  }

  retry(entry) {
    entry.since = Date.now();
    this.send(entry);
    this.hooks.changed(entry);
  }

  discard(entry) {
    this.entries.delete(entry.clientId);
    this.hooks.removed(entry);
  }

  /** `ack`: stored. */
  acked(frame) {
    const clientIdOfRef = this.byRef.get(frame.ref);
    this.byRef.delete(frame.ref);
    const message = frame.message || {};
    const key = message.client_id || clientIdOfRef;
    if (key) this.entries.delete(key);
    this.hooks.stored(message);
  }

  /** A stored message seen in any way (event, REST) ends its entry. */
  seen(message) {
    if (message && message.client_id) this.entries.delete(message.client_id);
  }

  /** An `error` answering one of our sends; true when it was one. */
  failed(frame) {
    const key = this.byRef.get(frame.ref);
    if (!key) return false;
    this.byRef.delete(frame.ref);
    const entry = this.entries.get(key);
    if (!entry) return true;
    if (frame.code === "rate_limited" || frame.code === "internal") {
      window.setTimeout(() => this.entries.has(key) && this.send(entry), frame.retry_after_ms || 2000);
      return true;
    }
    entry.state = "failed";
    entry.error = frame.message || frame.code;
    this.hooks.changed(entry);
    return true;
  }

  /** While the socket is down, long-waiting messages go over REST (same client_id: still once). */
  fallback() {
    if (this.hooks.socket.isOpen) return;
    for (const entry of this.entries.values()) {
      if (entry.state !== "sending" || entry.restBusy || Date.now() - entry.since < REST_FALLBACK_MS) continue;
      entry.restBusy = true;
      const body = { text: entry.text, private: entry.private, client_id: entry.clientId };
      if (entry.files.length) body.attachments = entry.files.map((f) => f.id);
      api("POST", "/conversations/" + encodeURIComponent(entry.conversationId) + "/messages", body)
        .then((message) => {
          this.entries.delete(entry.clientId);
          this.hooks.stored(message);
        })
        .catch((error) => {
          if (error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429) {
            entry.state = "failed";
            entry.error = error.message;
            this.hooks.changed(entry);
          }
        })
        .finally(() => {
          entry.restBusy = false;
          entry.since = Date.now();
        });
    }
  }

  pendingFor(conversationId) {
    return [...this.entries.values()].filter((e) => e.conversationId === conversationId);
  }
}

export class Composer {
  /**
   * hooks: `socket`, `outbox`, `conversationId()`, `keydown(event)` (true when another part, such as
   * the quick-reply menu, took the key), `switched()`.
   */
  constructor(hooks) {
    this.hooks = hooks;
    this.form = $("ws-composer");
    this.textarea = $("ws-reply");
    this.noteToggle = $("ws-note");
    this.stagedNode = $("ws-staged");
    this.staged = [];
    this.drafts = new Map();
    this.current = null;
    this.lastTypingSent = 0;
    this.typingState = "stop";
    this.idleTimer = null;
    this.stopTimer = null;
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.textarea.addEventListener("keydown", (event) => {
      if (this.hooks.keydown && this.hooks.keydown(event)) return;
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
        event.preventDefault();
        this.submit();
      } else if (event.key === "Escape") {
        this.textarea.blur();
      }
    });
    this.textarea.addEventListener("input", () => this.typed());
    this.textarea.addEventListener("blur", () => this.typing("stop"));
    this.textarea.addEventListener("paste", (event) => {
      const files = [...((event.clipboardData && event.clipboardData.files) || [])];
      if (files.length) {
        event.preventDefault();
        files.forEach((file) => this.attach(file));
      }
    });
    this.noteToggle.addEventListener("change", () => this.noteChanged());
    $("ws-file").addEventListener("change", (event) => {
      [...event.target.files].forEach((file) => this.attach(file));
      event.target.value = "";
    });
  }

  /** Switches to another conversation, keeping each one's draft. */
  switchTo(id) {
    if (this.current) this.drafts.set(this.current, { text: this.textarea.value, note: this.noteToggle.checked, staged: this.staged });
    this.typing("stop");
    this.current = id;
    const draft = this.drafts.get(id) || { text: "", note: false, staged: [] };
    this.textarea.value = draft.text;
    this.noteToggle.checked = draft.note;
    this.staged = draft.staged;
    this.noteChanged();
    this.renderStaged();
    if (this.hooks.switched) this.hooks.switched();
  }

  /** Puts `text` in the reply box at the caret (on a line of its own when there is text already); not sent. */
  insert(text) {
    if (!text) return;
    const box = this.textarea;
    // Where the agent left the caret, or at the end when they were not in the box.
    const focused = document.activeElement === box;
    const start = focused ? box.selectionStart : box.value.length;
    const end = focused ? box.selectionEnd : box.value.length;
    const before = box.value.slice(0, start);
    const after = box.value.slice(end);
    const glue = before && !before.endsWith("\n") ? "\n" : "";
    box.value = before + glue + text + after;
    const caret = before.length + glue.length + text.length;
    box.focus();
    box.setSelectionRange(caret, caret);
    this.typed();
  }

  noteChanged() {
    const note = this.noteToggle.checked;
    this.form.classList.toggle("note", note);
    this.textarea.placeholder = note ? t("ws.note.placeholder") : t("ws.reply.placeholder");
  }

  focus() {
    this.textarea.focus();
  }

  submit() {
    const id = this.hooks.conversationId();
    if (!id) return;
    const text = this.textarea.value.trim();
    // Wait for uploads still running; failed ones (listed with their reason) are left out.
    if (this.staged.some((s) => !s.attachment && !s.error)) return;
    const files = this.staged.filter((s) => s.attachment).map((s) => s.attachment);
    if (!text && !files.length) return;
    this.hooks.outbox.add(id, text, this.noteToggle.checked, files);
    this.textarea.value = "";
    this.staged = [];
    this.renderStaged();
    this.typing("stop");
  }

  /** Uploads a pasted or picked file; it is sent with the next message. */
  attach(file) {
    const id = this.hooks.conversationId();
    if (!id) return;
    const entry = { file, name: file.name || t("ws.pasted_image"), attachment: null, error: null };
    this.staged.push(entry);
    this.renderStaged();
    upload(id, file)
      .then((attachment) => {
        entry.attachment = attachment;
      })
      .catch((error) => {
        entry.error = error.status === 413 ? t("ws.upload.too_large") : error.message || t("ws.upload.failed");
      })
      .finally(() => this.renderStaged());
  }

  renderStaged() {
    const items = this.staged.map((entry) =>
      el(
        "li",
        { class: "ws-staged-item" + (entry.error ? " failed" : entry.attachment ? "" : " uploading") },
        el("span", { class: "ws-file-name", text: entry.name }),
        el("span", { class: "muted small", text: entry.error ? entry.error : entry.attachment ? fileSize(entry.attachment.size) : t("ws.uploading") }),
        el("button", {
          type: "button",
          class: "button ghost small",
          "aria-label": t("ws.upload.remove", { name: entry.name }),
          text: "×",
          on: { click: () => this.unstage(entry) },
        }),
      ),
    );
    this.stagedNode.replaceChildren(...items);
    this.stagedNode.hidden = !items.length;
  }

  unstage(entry) {
    this.staged = this.staged.filter((s) => s !== entry);
    this.renderStaged();
  }

  /** Typing `start` at most every 2 s while typing; `stop` after a pause, on send and on blur. */
  typed() {
    if (!this.textarea.value.trim()) {
      this.typing("stop");
      return;
    }
    if (this.typingState !== "start" || Date.now() - this.lastTypingSent >= TYPING_EVERY_MS) this.typing("start");
    window.clearTimeout(this.idleTimer);
    this.idleTimer = window.setTimeout(() => this.typing("stop"), TYPING_IDLE_MS);
  }

  typing(state) {
    const id = this.current;
    if (!id) return;
    window.clearTimeout(this.stopTimer);
    if (state === "stop") {
      window.clearTimeout(this.idleTimer);
      if (this.typingState !== "start") return;
      const wait = Math.max(0, this.lastTypingSent + TYPING_EVERY_MS - Date.now());
      this.stopTimer = window.setTimeout(() => this.sendTyping(id, "stop"), wait);
      this.typingState = "stop";
      return;
    }
    // Within 2 s of the last frame nothing is sent (a waiting stop is cancelled above); the next
    // keystroke after 2 s sends the start, so the other side sees it at most 2 s late.
    this.typingState = "start";
    if (Date.now() - this.lastTypingSent < TYPING_EVERY_MS) return;
    this.sendTyping(id, "start");
  }

  sendTyping(id, state) {
    this.lastTypingSent = Date.now();
    this.hooks.socket.notify({ type: "typing", conversation_id: id, state, private: this.noteToggle.checked });
  }
}
