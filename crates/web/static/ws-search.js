// Message search in the workspace: the box above the list searches every conversation the agent may
// see (GET /api/v1/search/messages); the results replace the list until cleared, each with the
// matching messages' snippets; choosing one opens the conversation.

import { api } from "./ws-api.js";
import { $, el, page, shortTime, t } from "./ws-dom.js";
import { snippetNodes } from "./ws-suggest.js";

const PAGE_SIZE = 20;

export class MessageSearch {
  /** `hooks.open(id)` opens a conversation. */
  constructor(hooks) {
    this.hooks = hooks;
    this.form = $("ws-search");
    this.input = $("ws-search-q");
    this.results = $("ws-search-results");
    this.list = $("ws-search-list");
    this.status = $("ws-search-status");
    this.more = $("ws-search-more");
    this.query = "";
    this.cursor = null;
    /** Answers to an older search are dropped. */
    this.generation = 0;
    if (!this.form) return;
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.search(this.input.value.trim());
    });
    $("ws-search-clear").addEventListener("click", () => this.close());
    this.more.addEventListener("click", () => this.load(true));
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.active) {
        event.preventDefault();
        event.stopPropagation();
        this.close();
      }
    });
  }

  get active() {
    return page.root.dataset.searching === "true";
  }

  search(query) {
    if (!query) {
      this.close();
      return;
    }
    this.query = query;
    this.cursor = null;
    page.root.dataset.searching = "true";
    this.results.hidden = false;
    this.list.replaceChildren();
    this.load(false);
  }

  async load(more) {
    const generation = ++this.generation;
    this.more.hidden = true;
    this.say(t("msearch.searching"));
    let path = "/search/messages?limit=" + PAGE_SIZE + "&q=" + encodeURIComponent(this.query);
    if (more && this.cursor) path += "&cursor=" + encodeURIComponent(this.cursor);
    try {
      const found = await api("GET", path);
      if (generation !== this.generation) return;
      for (const hit of found.data) this.list.append(this.item(hit));
      this.cursor = found.next_cursor;
      this.more.hidden = !found.next_cursor;
      const none = this.list.children.length === 0;
      this.say(none ? t("msearch.none", { q: this.query }) : t("msearch.results", { q: this.query }));
    } catch (error) {
      if (generation !== this.generation) return;
      const field = error.fields && (error.fields.q || error.fields.limit);
      this.say(t("msearch.error", { message: field || error.message }));
    }
  }

  say(text) {
    this.status.textContent = text;
  }

  item(hit) {
    const conversation = hit.conversation;
    const id = String(conversation.id);
    const matches = hit.matches.map((match) =>
      el(
        "span",
        { class: "ws-search-snippet" + (match.private ? " note" : "") },
        match.private ? el("span", { class: "badge", text: t("msearch.note") }) : null,
        match.private ? " " : null,
        snippetNodes(match.snippet),
        el("span", { class: "ws-item-time", text: " · " + shortTime(match.created_at) }),
      ),
    );
    const extra = hit.match_count > hit.matches.length ? t("msearch.matches", { n: hit.match_count }) : null;
    return el(
      "li",
      { class: "ws-item ws-search-hit", dataset: { id } },
      el(
        "button",
        { type: "button", class: "ws-item-link ws-search-open", on: { click: () => this.hooks.open(id) } },
        el(
          "span",
          { class: "ws-item-top" },
          el("span", { class: "ws-item-name", text: conversation.contact_name || "#" + id }),
          el("span", { class: "badge", text: t("ws.status." + conversation.status) }),
        ),
        matches,
        extra ? el("span", { class: "muted small", text: extra }) : null,
      ),
    );
  }

  close() {
    this.generation++;
    delete page.root.dataset.searching;
    this.results.hidden = true;
    this.list.replaceChildren();
    this.input.value = "";
    this.query = "";
    this.cursor = null;
  }
}
