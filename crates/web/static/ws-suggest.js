// Suggestions beside the conversation: FAQ answers and published articles that fit the customer's
// last message (`GET /conversations/{id}/suggestions`), fetched when a conversation opens and again
// shortly after each new customer message. One click puts a FAQ answer in the reply box; nothing
// is sent.

import { api } from "./ws-api.js";
import { $, el, t } from "./ws-dom.js";

const REFRESH_AFTER_MS = 1200;
const ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&#x27;": "'" };

/** Undoes the snippet's HTML escaping; anything not one of the five escapes stays as written. */
function unescapeHtml(text) {
  return text.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (entity) => ENTITIES[entity]);
}

/**
 * A search snippet (HTML-escaped text with matches in `<mark>…</mark>`) as nodes: the text between
 * the mark tags becomes text nodes, the marked parts `<mark>` elements. Nothing else is markup.
 */
export function snippetNodes(snippet) {
  const nodes = [];
  let marked = false;
  for (const part of String(snippet || "").split(/(<mark>|<\/mark>)/)) {
    if (part === "<mark>") marked = true;
    else if (part === "</mark>") marked = false;
    else if (part) nodes.push(marked ? el("mark", { text: unescapeHtml(part) }) : document.createTextNode(unescapeHtml(part)));
  }
  return nodes;
}

export class SuggestionsPanel {
  /** hooks: `use(text)` puts a text in the reply box. */
  constructor(hooks) {
    this.hooks = hooks;
    this.section = $("ws-suggest");
    this.body = $("ws-suggest-body");
    this.id = null;
    this.generation = 0;
    this.timer = null;
    /** False once the server said the agent may not read the knowledge base. */
    this.allowed = true;
    $("ws-suggest-refresh").addEventListener("click", () => this.load());
  }

  /** The open conversation changed. */
  show(id) {
    window.clearTimeout(this.timer);
    this.id = id == null ? null : String(id);
    this.body.replaceChildren();
    this.section.hidden = !this.id || !this.allowed;
    if (this.id) this.load();
  }

  /** A new customer message in the open conversation: fetch again once the customer pauses. */
  refreshSoon() {
    if (!this.id || !this.allowed) return;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.load(), REFRESH_AFTER_MS);
  }

  async load() {
    const id = this.id;
    if (!id || !this.allowed) return;
    const generation = ++this.generation;
    if (!this.body.firstChild) this.body.replaceChildren(el("p", { class: "muted small", text: t("assist.suggest.loading") }));
    this.section.setAttribute("aria-busy", "true");
    try {
      const found = await api("GET", "/conversations/" + encodeURIComponent(id) + "/suggestions");
      if (generation !== this.generation) return;
      this.render(found || {});
    } catch (error) {
      if (generation !== this.generation) return;
      if (error.status === 403 || error.status === 404) {
        // No knowledge base for this agent (or an older server): no panel.
        this.allowed = error.status !== 403;
        this.section.hidden = true;
        return;
      }
      this.body.replaceChildren(el("p", { class: "muted small", text: t("assist.suggest.failed") }));
    } finally {
      if (generation === this.generation) this.section.removeAttribute("aria-busy");
    }
  }

  render(found) {
    const faq = Array.isArray(found.faq) ? found.faq : [];
    const articles = Array.isArray(found.articles) ? found.articles : [];
    const query = typeof found.query === "string" ? found.query : "";
    if (!query) {
      this.body.replaceChildren(el("p", { class: "muted small", id: "ws-suggest-empty", text: t("assist.suggest.waiting") }));
      return;
    }
    const parts = [el("p", { class: "muted small ws-suggest-query", text: t("assist.suggest.for", { query }) })];
    if (!faq.length && !articles.length) {
      parts.push(el("p", { class: "muted small", id: "ws-suggest-empty", text: t("assist.suggest.empty") }));
    }
    if (faq.length) {
      parts.push(
        el("h4", { text: t("assist.suggest.faq") }),
        el(
          "ul",
          { class: "ws-suggest-list", id: "ws-suggest-faq" },
          faq.map((entry) =>
            el(
              "li",
              {},
              el(
                "button",
                {
                  type: "button",
                  class: "ws-suggest-faq",
                  title: t("assist.suggest.use"),
                  dataset: { entryId: String(entry.entry_id || "") },
                  on: { click: () => this.hooks.use(String(entry.answer || "")) },
                },
                el("strong", { class: "ws-suggest-question", text: String(entry.question || "") }),
                el("span", { class: "ws-suggest-answer", text: String(entry.answer || "") }),
              ),
            ),
          ),
        ),
      );
    }
    if (articles.length) {
      parts.push(
        el("h4", { text: t("assist.suggest.articles") }),
        el(
          "ul",
          { class: "ws-suggest-list", id: "ws-suggest-articles" },
          articles.map((hit) =>
            el(
              "li",
              { class: "ws-suggest-article" },
              el("strong", { text: String(hit.title || "") }),
              el("span", { class: "ws-suggest-snippet" }, snippetNodes(hit.snippet)),
            ),
          ),
        ),
      );
    }
    this.body.replaceChildren(...parts);
  }
}
