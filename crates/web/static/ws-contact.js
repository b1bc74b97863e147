// The contact panel beside the conversation: who the customer is, where they are, what they told
// the pre-chat form, and their earlier conversations.

import { api } from "./ws-api.js";
import { $, el, has, link, shortTime, t } from "./ws-dom.js";
import { contactName } from "./ws-list.js";

function row(label, ...value) {
  return [el("dt", { text: label }), el("dd", {}, ...value)];
}

function text(value) {
  if (value === null || value === undefined || value === "") return el("span", { class: "muted", text: "—" });
  if (typeof value === "object") return el("span", { text: JSON.stringify(value) });
  return el("span", { text: String(value) });
}

/** The contact's VIP level and tags (what routing rules read), editable by those who may assign. */
function routingForm(contact, onSave) {
  const level = el(
    "select",
    { id: "ws-contact-vip", name: "vip_level" },
    Array.from({ length: 10 }, (_, n) =>
      el("option", { value: String(n), selected: n === (contact.vip_level || 0), text: n ? "VIP " + n : t("ws.contact.vip_none") }),
    ),
  );
  const tags = el("input", {
    id: "ws-contact-tags",
    name: "tags",
    value: (contact.tags || []).join(", "),
    placeholder: t("ws.contact.tags_hint"),
  });
  const status = el("span", { class: "muted small", id: "ws-contact-routing-status", role: "status" });
  const form = el(
    "form",
    { class: "ws-contact-routing", id: "ws-contact-routing" },
    el("label", {}, el("span", { text: t("ws.contact.vip") }), level),
    el("label", {}, el("span", { text: t("ws.contact.tags") }), tags),
    el("div", {}, el("button", { type: "submit", class: "button small", text: t("ws.contact.save") }), " ", status),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const list = tags.value.split(/[,，]/).map((tag) => tag.trim()).filter(Boolean);
    status.textContent = "";
    try {
      await onSave({ vip_level: Number(level.value), tags: list });
      status.textContent = t("ws.contact.saved");
    } catch (error) {
      status.textContent = (error && error.message) || t("ws.contact.save_failed");
    }
  });
  return form;
}

export class ContactPanel {
  /** hooks: `open(conversationId)`; `canAssign`: whether the user may change the contact's routing facts. */
  constructor(hooks, canAssign) {
    this.hooks = hooks;
    this.canAssign = canAssign;
    this.body = $("ws-contact-body");
    this.channels = null;
    this.generation = 0;
    this.shownFor = null;
  }

  async channelName(conversation, contact) {
    const fromContact = contact && Array.isArray(contact.channels) ? contact.channels : [];
    let channel = fromContact.find((c) => String(c.id) === String(conversation.channel_id));
    if (!channel) {
      if (!this.channels) {
        this.channels = await api("GET", "/channels?limit=200")
          .then((page) => (page && page.data) || [])
          .catch(() => []);
      }
      channel = this.channels.find((c) => String(c.id) === String(conversation.channel_id));
    }
    if (!channel) return "";
    const kind = channel.kind ? "ws.channel." + channel.kind : "";
    return channel.name + (kind ? " · " + (has(kind) ? t(kind) : channel.kind) : "");
  }

  /** Shows the contact of `conversation`; a change of the same conversation refreshes what it holds. */
  async show(conversation) {
    if (!conversation) return;
    const key = String(conversation.id) + ":" + (conversation.updated_at || "");
    if (this.shownFor === key) return;
    this.shownFor = key;
    const generation = ++this.generation;
    let contact = null;
    if (conversation.contact_id != null) {
      contact = await api("GET", "/contacts/" + encodeURIComponent(conversation.contact_id)).catch(() => null);
    }
    const channel = await this.channelName(conversation, contact);
    if (generation !== this.generation) return;
    this.render(conversation, contact, channel);
  }

  render(conversation, contact, channel) {
    const name = (contact && contact.name) || contactName(conversation);
    const verified = contact ? contact.verified : conversation.contact_verified;
    const badge =
      verified === true
        ? el("span", { class: "badge ok", id: "ws-contact-verified", text: t("ws.contact.verified") })
        : verified === false
          ? el("span", { class: "badge", id: "ws-contact-verified", text: t("ws.contact.unverified") })
          : null;
    const details = el(
      "dl",
      { class: "ws-facts" },
      row(t("ws.contact.email"), text(contact && contact.email)),
      row(t("ws.contact.phone"), text(contact && contact.phone)),
      row(t("ws.contact.channel"), text(channel)),
      conversation.locale ? row(t("ws.contact.locale"), text(conversation.locale)) : [],
      contact && contact.external_id ? row(t("ws.contact.external_id"), text(contact.external_id)) : [],
    );
    const sections = [el("div", { class: "ws-contact-name" }, el("strong", { id: "ws-contact-name", text: name }), badge), details];

    if (conversation.page_url || conversation.page_title) {
      sections.push(
        el("h3", { text: t("ws.contact.page") }),
        el(
          "p",
          { class: "ws-page", id: "ws-contact-page" },
          conversation.page_title ? el("span", { class: "ws-page-title", text: conversation.page_title }) : null,
          conversation.page_url ? link(conversation.page_url, conversation.page_url) : null,
        ),
      );
    }

    const answers = conversation.prechat && typeof conversation.prechat === "object" ? Object.entries(conversation.prechat) : [];
    if (answers.length) {
      sections.push(
        el("h3", { text: t("ws.contact.prechat") }),
        el("dl", { class: "ws-facts", id: "ws-contact-prechat" }, answers.map(([key, value]) => row(key, text(value)))),
      );
    }

    const attributes = contact && contact.attributes && typeof contact.attributes === "object" ? Object.entries(contact.attributes) : [];
    if (attributes.length) {
      sections.push(
        el("h3", { text: t("ws.contact.attributes") }),
        el("dl", { class: "ws-facts" }, attributes.map(([key, value]) => row(key, text(value)))),
      );
    }

    if (contact && this.canAssign) {
      const save = (body) => api("PATCH", "/contacts/" + encodeURIComponent(contact.id) + "/routing", body);
      sections.push(el("h3", { text: t("ws.contact.routing") }), routingForm(contact, save));
    } else if (contact && (contact.vip_level > 0 || (contact.tags || []).length)) {
      const facts = [contact.vip_level > 0 ? "VIP " + contact.vip_level : "", ...(contact.tags || [])].filter(Boolean);
      sections.push(el("h3", { text: t("ws.contact.routing") }), el("p", { class: "small", text: facts.join(" · ") }));
    }

    const earlier = contact && Array.isArray(contact.conversations)
      ? contact.conversations.filter((c) => String(c.id) !== String(conversation.id))
      : [];
    sections.push(el("h3", { text: t("ws.contact.history") }));
    if (!contact) {
      sections.push(el("p", { class: "muted small", text: t("ws.contact.unavailable") }));
    } else if (!earlier.length) {
      sections.push(el("p", { class: "muted small", text: t("ws.contact.no_history") }));
    } else {
      sections.push(
        el(
          "ul",
          { class: "ws-history", id: "ws-contact-history" },
          earlier.map((c) =>
            el(
              "li",
              {},
              el("button", {
                type: "button",
                class: "button ghost small ws-history-item",
                text: shortTime(c.last_message_at || c.created_at) + " · " + t("ws.status." + c.status),
                on: { click: () => this.hooks.open(String(c.id)) },
              }),
            ),
          ),
        ),
      );
    }
    this.body.replaceChildren(...sections);
  }

  clear() {
    this.shownFor = null;
    this.generation += 1;
    this.body.replaceChildren();
  }
}
