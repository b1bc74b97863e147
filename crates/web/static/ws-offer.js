// Offers: when routing offers a conversation to this agent (a conversation event with `offered_to` =
// me), a card shows the customer, their first message and the time left, with Accept and Decline
// (`POST /api/v1/conversations/{id}/offer/accept|decline`). The card goes when the offer ends.

import { api } from "./ws-api.js";
import { $, el, page, t } from "./ws-dom.js";
import { contactName, previewText } from "./ws-list.js";

/** When the server does not say when the offer ends. */
const DEFAULT_OFFER_MS = 30000;

export class OfferCards {
  /** hooks: `open(id)` after accepting, `alert(title, body, tag, onClick)` for sound and notification. */
  constructor(hooks) {
    this.hooks = hooks;
    this.cards = new Map();
    this.box = $("ws-offers");
    window.setInterval(() => this.tick(), 1000);
  }

  /** Offers to this agent among the waiting conversations (after each `welcome`). */
  async load() {
    try {
      const list = await api("GET", "/conversations?unassigned=true&status=open&limit=200");
      for (const conversation of (list && list.data) || []) this.apply(conversation);
    } catch (_) {
      // Offers still arrive as events.
    }
  }

  /** A conversation (event or REST): show, keep or remove its card. */
  apply(conversation) {
    if (!conversation || conversation.id == null) return;
    const id = String(conversation.id);
    const mine = conversation.offered_to != null && String(conversation.offered_to) === page.userId;
    if (mine && !this.cards.has(id)) this.show(id, conversation);
    else if (!mine && this.cards.has(id)) this.remove(id);
  }

  show(id, conversation) {
    const expires = Date.parse(conversation.offer_expires_at || "") || Date.now() + DEFAULT_OFFER_MS;
    const message = el("p", { class: "ws-offer-message", text: conversation.last_message || "" });
    const left = el("span", { class: "ws-offer-left", role: "timer" });
    const problem = el("p", { class: "ws-offer-problem", hidden: true });
    const node = el(
      "article",
      { class: "ws-offer", id: "offer-" + id, "aria-label": t("rt.ws.offer_title") },
      el("header", { class: "ws-offer-head" }, el("strong", { text: t("rt.ws.offer_title") }), left),
      el("p", { class: "ws-offer-name", text: contactName(conversation) }),
      message,
      problem,
      el(
        "div",
        { class: "ws-offer-actions" },
        el("button", { type: "button", class: "button small primary ws-offer-accept", text: t("rt.ws.offer_accept"), on: { click: () => this.accept(id) } }),
        el("button", { type: "button", class: "button small ws-offer-decline", text: t("rt.ws.offer_decline"), on: { click: () => this.decline(id) } }),
      ),
    );
    this.cards.set(id, { node, expires, left, problem });
    this.box.append(node);
    this.box.hidden = false;
    this.tick();
    this.hooks.alert(t("rt.ws.offer_title"), contactName(conversation), "o-" + id, () => this.accept(id));
    api("GET", "/conversations/" + encodeURIComponent(id) + "/messages?after_seq=0")
      .then((messages) => {
        const first = (Array.isArray(messages) ? messages : []).find((m) => m.author_kind === "customer" && !m.private);
        if (first) message.textContent = previewText(first);
      })
      .catch(() => {});
  }

  remove(id) {
    const card = this.cards.get(id);
    if (card) card.node.remove();
    this.cards.delete(id);
    this.box.hidden = this.cards.size === 0;
  }

  async accept(id) {
    const card = this.cards.get(id);
    try {
      await api("POST", "/conversations/" + encodeURIComponent(id) + "/offer/accept");
      this.remove(id);
      this.hooks.open(id);
    } catch (_) {
      if (card) {
        card.problem.hidden = false;
        card.problem.textContent = t("rt.ws.offer_gone");
        card.expires = Math.min(card.expires, Date.now() + 3000);
      }
    }
  }

  async decline(id) {
    this.remove(id);
    await api("POST", "/conversations/" + encodeURIComponent(id) + "/offer/decline").catch(() => {});
  }

  tick() {
    const now = Date.now();
    for (const [id, card] of this.cards) {
      const seconds = Math.ceil((card.expires - now) / 1000);
      if (seconds <= 0) this.remove(id);
      else card.left.textContent = t("rt.ws.offer_left", { n: seconds });
    }
  }
}
