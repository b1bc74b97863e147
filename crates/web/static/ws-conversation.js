// The open conversation: its messages in sequence order (each exactly once, resumed after a
// reconnect from the last contiguous sequence held), unsent messages, read receipts, typing.

import { api } from "./ws-api.js";
import { $, el, fileSize, fullTime, link, page, safeUrl, shortTime, t } from "./ws-dom.js";
import { contactName } from "./ws-list.js";

const TYPING_SHOWN_MS = 6000;
const URL_PATTERN = /(https?:\/\/[^\s<>"'）。，]+)/g;

/** Text with its http(s) links made clickable, as nodes. */
function linkedText(text) {
  const parts = String(text || "").split(URL_PATTERN);
  return parts.map((part, i) => (i % 2 === 1 ? link(part, part) : document.createTextNode(part)));
}

function attachmentNode(attachment) {
  const url = safeUrl(attachment && attachment.url, true);
  const name = (attachment && attachment.name) || t("ws.attachment");
  if (!url) return el("span", { class: "ws-file", text: name });
  const type = String(attachment.content_type || "");
  if (type.startsWith("image/") && type !== "image/svg+xml") {
    return el(
      "a",
      { class: "ws-image-link", href: url, target: "_blank", rel: "noopener noreferrer" },
      el("img", { class: "ws-image", src: url, alt: name, loading: "lazy" }),
    );
  }
  return el(
    "a",
    { class: "ws-file", href: url, download: name, rel: "noopener noreferrer" },
    el("span", { class: "ws-file-name", text: name }),
    el("span", { class: "ws-file-size muted", text: fileSize(attachment.size) }),
  );
}

const HANDOFF_REASONS = ["explicit_request", "complaint_angry", "account_specific", "out_of_scope", "ambiguous", "unresolved"];

/** What the bot decided, for the agent: the handover's reason and guesses, or what it answered. */
function botDetails(message) {
  const bot = message.bot && typeof message.bot === "object" ? message.bot : null;
  if (message.author_kind !== "bot" || !bot) return null;
  if (bot.kind === "handoff") {
    const reason = HANDOFF_REASONS.includes(bot.reason) ? t("assist.handoff.reason." + bot.reason) : String(bot.reason || "");
    const guesses = Array.isArray(bot.guesses) ? bot.guesses.filter((g) => g && g.question) : [];
    return el(
      "div",
      { class: "ws-bot-handoff", dataset: { reason: String(bot.reason || "") } },
      el("strong", { class: "ws-bot-handoff-title", text: t("assist.handoff.title") }),
      reason ? el("p", { class: "ws-bot-reason", text: t("assist.handoff.reason", { reason }) }) : null,
      bot.agents_online === false ? el("p", { class: "ws-bot-offline", text: t("assist.handoff.offline") }) : null,
      guesses.length
        ? [
            el("p", { class: "ws-bot-guesses-title", text: t("assist.handoff.guesses") }),
            el("ol", { class: "ws-bot-guesses" }, guesses.map((g) => el("li", { text: String(g.question) }))),
          ]
        : el("p", { class: "ws-bot-guesses-none", text: t("assist.handoff.no_guesses") }),
    );
  }
  if (bot.kind === "answer") return [answerNote(bot), ratingNote(bot)];
  if (bot.kind === "clarify") return el("p", { class: "ws-bot-note", text: t("assist.bot.clarified") });
  return null;
}

/** What an answer came from: the FAQ entry, or the knowledge-base sources of a generated answer. */
function answerNote(bot) {
  if (bot.generative) {
    const sources = Array.isArray(bot.sources) ? bot.sources.filter((s) => s && s.title) : [];
    return el(
      "div",
      { class: "ws-bot-note ws-bot-generated" },
      el("p", { text: t("botfb.ws.generated") }),
      sources.length ? el("p", { class: "ws-bot-sources", text: t("botfb.ws.sources") + " " + sources.map((s) => "[" + Number(s.n) + "] " + s.title).join(" · ") }) : null,
    );
  }
  return bot.question ? el("p", { class: "ws-bot-note", text: t("assist.bot.answered", { question: String(bot.question) }) }) : null;
}

/** The customer's 👍/👎 on an answer. */
function ratingNote(bot) {
  if (bot.rating !== "up" && bot.rating !== "down") return null;
  const label = t(bot.rating === "up" ? "botfb.ws.rated_up" : "botfb.ws.rated_down");
  return el("p", { class: "ws-bot-rating", dataset: { rating: bot.rating }, title: label, text: (bot.rating === "up" ? "👍 " : "👎 ") + label });
}

export class ConversationPanel {
  /** hooks: `subscribe(id, afterSeq)`, `read(id, seq)`, `changed(conversation)`, `retry(entry)`, `discard(entry)`. */
  constructor(hooks) {
    this.hooks = hooks;
    this.id = null;
    this.conversation = null;
    this.messages = new Map();
    this.contiguous = 0;
    this.customerReadSeq = 0;
    this.lastReadSent = 0;
    this.users = new Map();
    this.typingTimer = null;
    this.readTimer = null;
    this.generation = 0;
    this.listNode = $("ws-messages");
    document.addEventListener("visibilitychange", () => this.maybeRead());
    window.addEventListener("focus", () => this.maybeRead());
  }

  setUsers(users) {
    for (const user of users) this.users.set(String(user.id), user.name);
    this.renderHeader();
  }

  /** Shows conversation `id`: its details and history over REST, then live over the socket. */
  async open(id) {
    const generation = ++this.generation;
    this.id = String(id);
    this.conversation = null;
    this.messages = new Map();
    this.contiguous = 0;
    this.customerReadSeq = 0;
    this.lastReadSent = 0;
    this.listNode.replaceChildren();
    this.showTyping(null);
    this.problem(null);
    $("ws-chat-empty").hidden = true;
    $("ws-chat-body").hidden = false;
    $("ws-chat-name").textContent = "";
    try {
      const conversation = await api("GET", "/conversations/" + encodeURIComponent(this.id));
      if (generation !== this.generation) return;
      this.update(conversation);
      let after = 0;
      for (;;) {
        const batch = await api("GET", "/conversations/" + encodeURIComponent(this.id) + "/messages?after_seq=" + after);
        if (generation !== this.generation) return;
        if (!Array.isArray(batch) || !batch.length) break;
        for (const message of batch) this.add(message);
        const last = batch[batch.length - 1].seq;
        if (last <= after) break;
        after = last;
      }
    } catch (error) {
      if (generation !== this.generation) return;
      this.problem(error.status === 404 ? t("ws.error.not_found") : t("ws.error.load"));
    }
    this.hooks.subscribe(this.id, this.contiguous);
    this.scrollToEnd();
    this.maybeRead();
  }

  close() {
    this.generation += 1;
    this.id = null;
    this.conversation = null;
    $("ws-chat-empty").hidden = false;
    $("ws-chat-body").hidden = true;
  }

  problem(text) {
    const node = $("ws-chat-problem");
    node.hidden = !text;
    node.textContent = text || "";
  }

  /** New details of the open conversation (REST answer or `conversation.updated`). */
  update(conversation) {
    if (!conversation || String(conversation.id) !== this.id) return;
    this.conversation = Object.assign({}, this.conversation, conversation);
    if (typeof conversation.customer_read_seq === "number") this.setCustomerRead(conversation.customer_read_seq);
    this.renderHeader();
    this.hooks.changed(this.conversation);
  }

  renderHeader() {
    const conversation = this.conversation;
    if (!conversation) return;
    $("ws-chat-name").textContent = contactName(conversation);
    const status = $("ws-chat-status");
    status.textContent = t("ws.status." + conversation.status);
    status.className = "badge status-" + conversation.status;
    $("ws-chat-bot").hidden = conversation.bot !== "answering";
    const assignee = conversation.assignee_id == null ? null : String(conversation.assignee_id);
    const name = assignee === page.userId ? t("ws.assignee.you") : this.users.get(assignee) || conversation.assignee_name;
    $("ws-chat-assignee").textContent = assignee ? t("ws.assignee", { name: name || "#" + assignee }) : t("ws.assignee.none");
    $("ws-assign-me").hidden = assignee === page.userId;
    const closed = conversation.status === "resolved" || conversation.status === "closed";
    $("ws-resolve").hidden = closed;
    $("ws-reopen").hidden = !closed;
  }

  /**
   * A message of the open conversation, from REST, `ack` or `message.created`. Each sequence is kept
   * once; a gap (a later one before an earlier one) asks the server again from the last contiguous one.
   */
  add(message) {
    if (!message || String(message.conversation_id) !== this.id || typeof message.seq !== "number") return;
    if (this.messages.has(message.seq)) return;
    this.messages.set(message.seq, message);
    if (message.client_id) this.removePending(message.client_id);
    while (this.messages.has(this.contiguous + 1)) this.contiguous += 1;
    if (message.seq > this.contiguous) this.hooks.subscribe(this.id, this.contiguous);
    const nearEnd = this.nearEnd();
    this.insert(message);
    this.renderReceipt();
    if (message.author_kind === "customer") this.showTyping(null);
    if (nearEnd || message.author_kind === "agent") this.scrollToEnd();
    this.maybeRead();
  }

  /** A `message.rated` event: the rating shown on that bot answer. */
  rated(event) {
    const message = this.messages.get(Number(event.seq));
    if (String(event.conversation_id) !== this.id || !message || !message.bot) return;
    message.bot = Object.assign({}, message.bot, { rating: event.rating });
    const node = document.getElementById("msg-" + this.id + "-" + message.seq);
    if (node) node.replaceWith(this.messageNode(message));
  }

  insert(message) {
    const node = this.messageNode(message);
    const later = [...this.listNode.querySelectorAll(".ws-msg[data-seq]")].find((n) => Number(n.dataset.seq) > message.seq);
    const firstPending = this.listNode.querySelector(".ws-msg.pending");
    this.listNode.insertBefore(node, later || firstPending || null);
  }

  authorName(message) {
    if (message.author_name) return message.author_name;
    switch (message.author_kind) {
      case "customer":
        return contactName(this.conversation);
      case "agent":
        return String(message.author_id) === page.userId ? page.userName : this.users.get(String(message.author_id)) || t("ws.author.agent");
      case "bot":
        return t("ws.author.bot");
      default:
        return t("ws.author.system");
    }
  }

  messageNode(message) {
    const kind = ["customer", "agent", "bot", "system"].includes(message.author_kind) ? message.author_kind : "system";
    const mine = kind === "agent" && String(message.author_id) === page.userId;
    const transferNote = message.private && message.bot && message.bot.kind === "transfer_note";
    const classes = ["ws-msg", kind];
    if (message.private) classes.push("note");
    if (transferNote) classes.push("transfer");
    if (mine) classes.push("mine");
    const attachments = Array.isArray(message.attachments) ? message.attachments : [];
    const meta = el(
      "div",
      { class: "ws-msg-meta" },
      el("span", { class: "ws-msg-author", text: this.authorName(message) }),
      kind === "bot" ? el("span", { class: "ws-bot-label", text: t("assist.bot.badge") }) : null,
      message.private ? el("span", { class: "ws-note-label", text: transferNote ? t("rt.ws.transfer_note") : t("ws.note.label") }) : null,
      el("time", { datetime: message.created_at || null, title: fullTime(message.created_at), text: shortTime(message.created_at) }),
    );
    const bubble = el(
      "div",
      { class: "ws-msg-bubble" },
      message.text ? el("p", { class: "ws-msg-text" }, linkedText(message.text)) : null,
      attachments.length ? el("div", { class: "ws-attachments" }, attachments.map(attachmentNode)) : null,
      botDetails(message),
    );
    return el(
      "li",
      { class: classes.join(" "), id: "msg-" + this.id + "-" + message.seq, dataset: { seq: String(message.seq) } },
      meta,
      bubble,
      el("div", { class: "ws-msg-receipt" }),
    );
  }

  /** An unsent message of the open conversation, shown greyed after the stored ones. */
  showPending(entry) {
    if (entry.conversationId !== this.id) return;
    const existing = this.listNode.querySelector('.ws-msg.pending[data-client-id="' + CSS.escape(entry.clientId) + '"]');
    const state =
      entry.state === "failed"
        ? el(
            "div",
            { class: "ws-msg-receipt failed" },
            el("span", { text: entry.error ? t("ws.send.failed_because", { reason: entry.error }) : t("ws.send.failed") }),
            el("button", { type: "button", class: "button ghost small", text: t("ws.send.retry"), on: { click: () => this.hooks.retry(entry) } }),
            el("button", { type: "button", class: "button ghost small", text: t("ws.send.discard"), on: { click: () => this.hooks.discard(entry) } }),
          )
        : el("div", { class: "ws-msg-receipt", text: t("ws.sending") });
    const node = el(
      "li",
      { class: "ws-msg agent mine pending" + (entry.private ? " note" : ""), dataset: { clientId: entry.clientId } },
      el(
        "div",
        { class: "ws-msg-meta" },
        el("span", { class: "ws-msg-author", text: page.userName }),
        entry.private ? el("span", { class: "ws-note-label", text: t("ws.note.label") }) : null,
      ),
      el(
        "div",
        { class: "ws-msg-bubble" },
        entry.text ? el("p", { class: "ws-msg-text" }, linkedText(entry.text)) : null,
        entry.files.length ? el("div", { class: "ws-attachments" }, entry.files.map(attachmentNode)) : null,
      ),
      state,
    );
    if (existing) existing.replaceWith(node);
    else this.listNode.append(node);
    this.scrollToEnd();
  }

  removePending(clientId) {
    const node = this.listNode.querySelector('.ws-msg.pending[data-client-id="' + CSS.escape(clientId) + '"]');
    if (node) node.remove();
  }

  setCustomerRead(seq) {
    if (seq > this.customerReadSeq) {
      this.customerReadSeq = seq;
      this.renderReceipt();
    }
  }

  /** "Read" under the last of our public replies the customer has read. */
  renderReceipt() {
    for (const node of this.listNode.querySelectorAll(".ws-msg-receipt.read")) {
      node.classList.remove("read");
      node.textContent = "";
    }
    let last = null;
    for (const [seq, message] of this.messages) {
      if (seq <= this.customerReadSeq && message.author_kind === "agent" && !message.private && (!last || seq > last)) last = seq;
    }
    const node = last && document.getElementById("msg-" + this.id + "-" + last);
    const receipt = node && node.querySelector(".ws-msg-receipt");
    if (receipt) {
      receipt.classList.add("read");
      receipt.textContent = t("ws.read");
    }
  }

  /** `typing` events: who is typing, cleared after 6 s without another start. */
  typing(event) {
    if (String(event.conversation_id) !== this.id) return;
    const by = event.by || {};
    if (by.kind === "agent" && by.name === page.userName) return;
    if (event.state === "stop") {
      this.showTyping(null);
      return;
    }
    this.showTyping(by.kind === "agent" ? t("ws.typing.agent", { name: by.name || t("ws.author.agent") }) : t("ws.typing.customer"));
  }

  showTyping(text) {
    window.clearTimeout(this.typingTimer);
    $("ws-typing").textContent = text || "";
    if (text) this.typingTimer = window.setTimeout(() => this.showTyping(null), TYPING_SHOWN_MS);
  }

  /** Tells the server what the agent has seen, when the page is visible. */
  maybeRead() {
    if (!this.id || document.visibilityState !== "visible") return;
    const seq = Math.max(0, ...this.messages.keys());
    if (seq <= this.lastReadSent) return;
    window.clearTimeout(this.readTimer);
    this.readTimer = window.setTimeout(() => {
      if (!this.id || seq <= this.lastReadSent) return;
      this.lastReadSent = seq;
      this.hooks.read(this.id, seq);
    }, 300);
  }

  nearEnd() {
    const box = this.listNode;
    return box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  }

  scrollToEnd() {
    this.listNode.scrollTop = this.listNode.scrollHeight;
  }
}
