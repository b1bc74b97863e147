// The conversation list: one inbox view (mine, unassigned, my teams, all) and one status, loaded
// over REST and kept current by the inbox subscription's events.

import { api, listAll } from "./ws-api.js";
import { $, el, page, shortTime, t } from "./ws-dom.js";

const PREVIEW_FETCHES_AT_ONCE = 4;

/** The name to show for a conversation's customer. */
export function contactName(conversation) {
  if (conversation && conversation.contact_name) return conversation.contact_name;
  return t("ws.contact.unnamed");
}

/** A one-line summary of a message for the list and notifications. */
export function previewText(message) {
  if (!message) return "";
  const text = (message.text || "").replace(/\s+/g, " ").trim();
  const files = Array.isArray(message.attachments) ? message.attachments.length : 0;
  const body = text || (files ? t("ws.preview.attachment", { n: files }) : "");
  return message.private ? t("ws.preview.note", { text: body }) : body;
}

/** Waiting in a queue, VIP and a raised priority, as badges. */
function routingBadges(conversation) {
  const badges = [];
  if (conversation.queued_at && conversation.assignee_id == null) {
    badges.push(el("span", { class: "badge ws-waiting-badge", text: t("rt.ws.waiting") }));
  }
  if (conversation.contact_vip_level > 0) {
    badges.push(el("span", { class: "badge ws-vip-badge", text: t("rt.ws.vip", { n: conversation.contact_vip_level }) }));
  }
  if (conversation.priority === "high" || conversation.priority === "urgent") {
    badges.push(el("span", { class: "badge ws-priority-" + conversation.priority, text: t("rt.priority." + conversation.priority) }));
  }
  return badges;
}

function activity(conversation) {
  return Date.parse(conversation.last_message_at || conversation.updated_at || conversation.created_at || 0) || 0;
}

export class ConversationList {
  /** hooks: `open(id)`, `created(conversation)`, `customerMessage(conversation, message)`. */
  constructor(hooks) {
    this.hooks = hooks;
    this.view = page.root.dataset.view || "mine";
    this.status = page.root.dataset.status || "open";
    this.items = new Map();
    this.openId = null;
    this.loading = null;
    this.previewQueue = [];
    this.previewsRunning = 0;
    this.listNode = $("ws-conversations");
    this.emptyNode = $("ws-list-empty");
  }

  /** Does `conversation` belong in the current view and status filter? */
  matches(conversation) {
    if (!conversation || conversation.status !== this.status) return false;
    const assignee = conversation.assignee_id == null ? null : String(conversation.assignee_id);
    switch (this.view) {
      case "mine":
        return assignee === page.userId;
      case "unassigned":
        return assignee === null;
      case "teams":
        return conversation.team_id != null && page.teamIds.includes(String(conversation.team_id));
      default:
        return true;
    }
  }

  /** The REST queries that make up the view. */
  queries() {
    const status = "status=" + encodeURIComponent(this.status);
    switch (this.view) {
      case "mine":
        return ["/conversations?" + status + "&assignee_id=" + encodeURIComponent(page.userId)];
      case "unassigned":
        return ["/conversations?" + status + "&unassigned=true"];
      case "teams":
        return page.teamIds.map((id) => "/conversations?" + status + "&team_id=" + encodeURIComponent(id));
      default:
        return ["/conversations?" + status];
    }
  }

  /** (Re)loads the view from the server, keeping what is known of each conversation. */
  async load() {
    const run = (async () => {
      const lists = await Promise.all(this.queries().map((q) => listAll(q, 1000)));
      if (run !== this.loading) return;
      const fresh = new Map();
      for (const conversation of lists.flat()) {
        if (fresh.has(String(conversation.id))) continue;
        const known = this.items.get(String(conversation.id));
        fresh.set(String(conversation.id), this.item(conversation, known));
      }
      this.items = fresh;
      this.render();
    })();
    this.loading = run;
    try {
      await run;
    } finally {
      if (this.loading === run) this.loading = null;
    }
  }

  item(conversation, known) {
    const item = known || { preview: null, unread: 0, lastSeq: 0 };
    item.conversation = Object.assign({}, item.conversation, conversation);
    const lastSeq = conversation.last_seq || 0;
    if (typeof conversation.agent_read_seq === "number" && String(conversation.id) !== this.openId) {
      item.unread = Math.max(0, lastSeq - conversation.agent_read_seq);
    }
    if (lastSeq > item.lastSeq) {
      item.lastSeq = lastSeq;
      // The server sends the start of the last message's text; an older one sends nothing.
      if (typeof conversation.last_message === "string") item.preview = { text: conversation.last_message, seq: lastSeq };
      else this.fetchPreview(String(conversation.id), lastSeq);
    }
    return item;
  }

  fetchPreview(id, seq) {
    if (this.previewQueue.some((p) => p.id === id && p.seq === seq)) return;
    this.previewQueue.push({ id, seq });
    this.pumpPreviews();
  }

  pumpPreviews() {
    while (this.previewsRunning < PREVIEW_FETCHES_AT_ONCE && this.previewQueue.length) {
      const { id, seq } = this.previewQueue.shift();
      this.previewsRunning += 1;
      api("GET", "/conversations/" + encodeURIComponent(id) + "/messages?after_seq=" + Math.max(0, seq - 1))
        .then((messages) => {
          const item = this.items.get(id);
          const last = Array.isArray(messages) ? messages[messages.length - 1] : null;
          if (item && last && (!item.preview || (item.preview.seq || 0) <= last.seq)) {
            item.preview = last;
            this.renderItem(id);
          }
        })
        .catch(() => {})
        .finally(() => {
          this.previewsRunning -= 1;
          this.pumpPreviews();
        });
    }
  }

  /** A conversation was created or changed: add, update or drop it. */
  applyConversation(conversation, created) {
    if (!conversation || conversation.id == null) return;
    const id = String(conversation.id);
    const known = this.items.get(id);
    const merged = Object.assign({}, known ? known.conversation : {}, conversation);
    if (this.matches(merged)) {
      this.items.set(id, this.item(merged, known));
      if (created && !known) {
        this.hooks.created(merged);
        // Events carry the stored conversation; the REST answer adds the contact's name.
        if (!merged.contact_name) {
          api("GET", "/conversations/" + encodeURIComponent(id))
            .then((full) => full && full.contact_name && this.applyConversation(full, false))
            .catch(() => {});
        }
      }
    } else {
      this.items.delete(id);
    }
    this.render();
  }

  /** A new message in some conversation: preview, activity time, unread count. */
  applyMessage(message, viewing) {
    if (!message || message.conversation_id == null) return;
    const id = String(message.conversation_id);
    const item = this.items.get(id);
    if (!item) return;
    if (message.seq <= item.lastSeq && item.preview && (item.preview.seq || 0) >= message.seq) return;
    const isNew = message.seq > item.lastSeq;
    item.lastSeq = Math.max(item.lastSeq, message.seq);
    item.preview = message;
    item.conversation.last_seq = Math.max(item.conversation.last_seq || 0, message.seq);
    item.conversation.last_message_at = message.created_at || item.conversation.last_message_at;
    if (isNew && message.author_kind === "customer" && !message.private) {
      if (!viewing) item.unread += 1;
      this.hooks.customerMessage(item.conversation, message);
    }
    this.render();
  }

  markRead(id) {
    const item = this.items.get(String(id));
    if (item && item.unread) {
      item.unread = 0;
      this.renderItem(String(id));
    }
  }

  conversation(id) {
    const item = this.items.get(String(id));
    return item ? item.conversation : null;
  }

  setOpen(id) {
    this.openId = id == null ? null : String(id);
    for (const node of this.listNode.querySelectorAll(".ws-item")) {
      const active = node.dataset.id === this.openId;
      node.classList.toggle("active", active);
      const link = node.querySelector("a");
      if (link) {
        if (active) link.setAttribute("aria-current", "true");
        else link.removeAttribute("aria-current");
      }
    }
  }

  ordered() {
    return [...this.items.entries()].sort((a, b) => activity(b[1].conversation) - activity(a[1].conversation));
  }

  /** The id `step` places from the open one (1: next, -1: previous). */
  neighbour(step) {
    const ids = this.ordered().map(([id]) => id);
    if (!ids.length) return null;
    const at = ids.indexOf(this.openId);
    if (at === -1) return step > 0 ? ids[0] : ids[ids.length - 1];
    return ids[Math.min(ids.length - 1, Math.max(0, at + step))];
  }

  href(id) {
    return "/inbox?view=" + encodeURIComponent(this.view) + "&status=" + encodeURIComponent(this.status) + "&c=" + id;
  }

  node(id, item) {
    const conversation = item.conversation;
    const when = conversation.last_message_at || conversation.updated_at || conversation.created_at;
    const preview = item.preview ? previewText(item.preview) : "";
    const unread = item.unread > 0;
    const link = el(
      "a",
      { href: this.href(id), class: "ws-item-link", "aria-current": id === this.openId ? "true" : null },
      el(
        "span",
        { class: "ws-item-top" },
        el("strong", { class: "ws-item-name", text: contactName(conversation) }),
        conversation.bot === "answering"
          ? el("span", { class: "badge ws-bot-badge", title: t("assist.bot.badge_title"), text: t("assist.bot.badge") })
          : null,
        routingBadges(conversation),
        el("time", { class: "ws-item-time", datetime: when || null, text: shortTime(when) }),
      ),
      el(
        "span",
        { class: "ws-item-bottom" },
        el("span", { class: "ws-item-preview" + (item.preview && item.preview.private ? " note" : ""), text: preview }),
        unread
          ? el("span", { class: "ws-unread", text: String(item.unread), title: t("ws.unread", { n: item.unread }) })
          : null,
      ),
    );
    link.addEventListener("click", (event) => {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      this.hooks.open(id);
    });
    return el(
      "li",
      {
        id: "conv-" + id,
        class: "ws-item" + (id === this.openId ? " active" : "") + (unread ? " unread" : ""),
        dataset: { id },
      },
      link,
    );
  }

  renderItem(id) {
    const item = this.items.get(id);
    const existing = document.getElementById("conv-" + id);
    if (item && existing) existing.replaceWith(this.node(id, item));
  }

  render() {
    const nodes = this.ordered().map(([id, item]) => this.node(id, item));
    this.listNode.replaceChildren(...nodes);
    this.emptyNode.hidden = nodes.length > 0;
    const total = [...this.items.values()].reduce((sum, item) => sum + (item.unread || 0), 0);
    document.title = (total ? "(" + total + ") " : "") + document.title.replace(/^\(\d+\) /, "");
  }
}
