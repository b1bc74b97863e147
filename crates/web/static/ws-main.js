// The agent workspace (/inbox): wires the list, the open conversation, the reply box, the contact
// panel, notifications and shortcuts to the REST API and the realtime socket.

import { api } from "./ws-api.js";
import { Composer, Outbox } from "./ws-composer.js";
import { ContactPanel } from "./ws-contact.js";
import { ConversationPanel } from "./ws-conversation.js";
import { $, el, page, t } from "./ws-dom.js";
import { installShortcuts } from "./ws-keys.js";
import { ConversationList, contactName, previewText } from "./ws-list.js";
import { Notifier } from "./ws-notify.js";
import { OfferCards } from "./ws-offer.js";
import { PresenceControl } from "./ws-presence.js";
import { QuickReplies } from "./ws-quick.js";
import { RealtimeSocket } from "./ws-socket.js";
import { MessageSearch } from "./ws-search.js";
import { SuggestionsPanel } from "./ws-suggest.js";
import { TransferDialog } from "./ws-transfer.js";

/** The list is reloaded this often as a safety net, or much more often when the server cannot push it. */
const LIST_REFRESH_MS = 60000;
const LIST_POLL_MS = 10000;
const CONTACT_KEY = "sb.workspace.contact";
const root = page.root;

const state = {
  presence: new Map(),
  users: [],
  connection: "connecting",
  bannerTimer: null,
  inboxRef: null,
  /** Whether the server confirmed the inbox subscription (an older one ignores it). */
  inboxPushed: false,
  lastRefresh: 0,
};

const notifier = new Notifier();
const socket = new RealtimeSocket({
  onState: showConnection,
  onWelcome: welcomed,
  onFrame: received,
});
const list = new ConversationList({
  open: (id) => openConversation(id, true),
  created: (conversation) =>
    notifier.alert(t("ws.notify.new_conversation"), contactName(conversation), "c-" + conversation.id, () =>
      openConversation(String(conversation.id), true),
    ),
  customerMessage: (conversation, message) => {
    const id = String(message.conversation_id);
    if (!document.hidden && id === panel.id) return;
    notifier.alert(t("ws.notify.new_message", { name: contactName(conversation) }), previewText(message), "m-" + id, () =>
      openConversation(id, true),
    );
  },
});
const panel = new ConversationPanel({
  subscribe: (id, afterSeq) => socket.send({ type: "subscribe", conversations: [{ id, after_seq: afterSeq }] }),
  read: sendRead,
  changed: (conversation) => contact.show(conversation),
  retry: (entry) => outbox.retry(entry),
  discard: (entry) => outbox.discard(entry),
});
const outbox = new Outbox({
  socket,
  changed: (entry) => panel.showPending(entry),
  removed: (entry) => panel.removePending(entry.clientId),
  stored: (message) => {
    panel.add(message);
    list.applyMessage(message, viewing(message.conversation_id));
  },
});
const quick = new QuickReplies({ conversationId: () => panel.id, inserted: () => composer.typed() });
const composer = new Composer({
  socket,
  outbox,
  conversationId: () => panel.id,
  keydown: (event) => quick.keydown(event),
  switched: () => quick.close(),
});
const contact = new ContactPanel({ open: (id) => openConversation(id, true) }, page.canAssign);
const presence = new PresenceControl(socket);
const offers = new OfferCards({
  open: (id) => openConversation(id, true),
  alert: (title, body, tag, onClick) => notifier.alert(title, body, tag, onClick),
});
new TransferDialog({
  conversationId: () => panel.id,
  done: (conversation) => {
    list.applyConversation(conversation, false);
    if (leftMe(conversation)) closeOpen();
    else if (conversation && String(conversation.id) === panel.id) panel.update(conversation);
  },
});

/** An agent who sees only their own conversations loses one given to someone else (a transfer). */
function leftMe(conversation) {
  return !page.canAssign && conversation && conversation.assignee_id != null && String(conversation.assignee_id) !== page.userId;
}

function closeOpen() {
  panel.close();
  contact.clear();
  list.setOpen(null);
  root.dataset.pane = "list";
  window.history.replaceState({}, "", address(null));
}
const suggestions = new SuggestionsPanel({ use: (text) => composer.insert(text) });
// Kept by the module: its form and results work from their own listeners.
new MessageSearch({ open: (id) => openConversation(id, true) });

function viewing(conversationId) {
  return String(conversationId) === panel.id && document.visibilityState === "visible";
}

function subscribeInbox() {
  state.inboxRef = socket.send({ type: "subscribe", conversations: [], inbox: { view: list.view } });
}

function welcomed() {
  subscribeInbox();
  presence.load();
  offers.load();
  if (panel.id) panel.hooks.subscribe(panel.id, panel.contiguous);
  outbox.resendAll();
  refreshList();
}

function refreshList() {
  state.lastRefresh = Date.now();
  list.load().catch(() => {});
}

function refreshWhenDue() {
  const every = state.inboxPushed && socket.isOpen ? LIST_REFRESH_MS : LIST_POLL_MS;
  if (Date.now() - state.lastRefresh >= every) refreshList();
}

function received(frame) {
  if (frame.type === "ack") {
    outbox.acked(frame);
    return;
  }
  if (frame.type === "subscribed" && frame.ref === state.inboxRef) {
    state.inboxPushed = frame.inbox !== undefined && frame.inbox !== null;
    return;
  }
  if (frame.type === "error") {
    if (outbox.failed(frame)) return;
    if (frame.code === "not_found" && panel.id && String(frame.message || "").includes(panel.id)) {
      panel.problem(t("ws.error.not_found"));
    }
    return;
  }
  if (frame.type !== "event") return;
  const id = frame.conversation_id == null ? null : String(frame.conversation_id);
  switch (frame.topic) {
    case "message.created": {
      const message = Object.assign({ conversation_id: id }, frame.message);
      outbox.seen(message);
      if (id === panel.id) {
        const fresh = !panel.messages.has(message.seq);
        panel.add(message);
        if (fresh && message.author_kind === "customer" && !message.private) suggestions.refreshSoon();
      }
      list.applyMessage(message, viewing(id));
      break;
    }
    case "conversation.created":
      list.applyConversation(frame.conversation, true);
      offers.apply(frame.conversation);
      break;
    case "conversation.updated":
      list.applyConversation(frame.conversation, false);
      offers.apply(frame.conversation);
      if (id === panel.id && leftMe(frame.conversation)) closeOpen();
      else if (id === panel.id) panel.update(frame.conversation);
      break;
    case "conversation.read":
      if (id === panel.id && frame.by === "customer") panel.setCustomerRead(frame.seq);
      if (frame.by !== "customer") {
        const known = list.conversation(id);
        if (known && frame.seq >= (known.last_seq || 0)) list.markRead(id);
      }
      break;
    case "typing":
      panel.typing(frame);
      break;
    case "message.rated":
      panel.rated(frame);
      break;
    case "presence.updated":
      if (frame.user_id != null) state.presence.set(String(frame.user_id), frame.state);
      presence.update(frame);
      renderAssignees();
      break;
  }
}

function sendRead(id, seq) {
  list.markRead(id);
  if (!socket.notify({ type: "read", conversation_id: id, seq }) && !socket.isOpen) {
    api("POST", "/conversations/" + encodeURIComponent(id) + "/read", { seq }).catch(() => {});
  }
}

function showConnection(connection) {
  state.connection = connection;
  const banner = $("ws-connection");
  window.clearTimeout(state.bannerTimer);
  if (connection === "open") {
    banner.hidden = true;
    root.dataset.connection = "open";
    return;
  }
  const show = () => {
    root.dataset.connection = connection;
    if (connection === "signed_out") {
      banner.replaceChildren(t("ws.connection.signed_out") + " ", el("a", { href: "/login?next=%2Finbox", text: t("ws.connection.sign_in") }));
    } else {
      banner.textContent = t("ws.connection.offline");
    }
    banner.hidden = false;
  };
  // A quick reconnect does not flash a warning.
  if (connection === "signed_out") show();
  else state.bannerTimer = window.setTimeout(show, 2000);
}

function address(id) {
  const params = new URLSearchParams({ view: list.view, status: list.status });
  if (id) params.set("c", id);
  return "/inbox?" + params.toString();
}

function openConversation(id, push) {
  if (!id) return;
  id = String(id);
  root.dataset.pane = "conversation";
  if (push && window.location.pathname + window.location.search !== address(id)) {
    window.history.pushState({ c: id }, "", address(id));
  }
  if (panel.id === id) return;
  list.setOpen(id);
  list.markRead(id);
  composer.switchTo(id);
  contact.clear();
  suggestions.show(id);
  panel.open(id).then(() => {
    for (const entry of outbox.pendingFor(id)) panel.showPending(entry);
  });
  const item = document.getElementById("conv-" + id);
  if (item) item.scrollIntoView({ block: "nearest" });
}

function backToList() {
  if (root.dataset.pane === "list") return;
  root.dataset.pane = "list";
  window.history.pushState({}, "", address(null));
}

function changeView(view, status) {
  list.view = view;
  list.status = status;
  list.items = new Map();
  list.render();
  for (const tab of document.querySelectorAll(".ws-tab")) {
    const active = tab.dataset.view === view;
    tab.classList.toggle("active", active);
    if (active) tab.setAttribute("aria-current", "page");
    else tab.removeAttribute("aria-current");
    tab.href = "/inbox?view=" + encodeURIComponent(tab.dataset.view) + "&status=" + encodeURIComponent(status);
  }
  window.history.replaceState({}, "", address(panel.id));
  subscribeInbox();
  refreshList();
  list.setOpen(panel.id);
}

async function act(path, body) {
  const id = panel.id;
  if (!id) return;
  panel.problem(null);
  try {
    const conversation = await api("POST", "/conversations/" + encodeURIComponent(id) + path, body);
    if (conversation && String(conversation.id) === panel.id) panel.update(conversation);
    list.applyConversation(conversation, false);
  } catch (error) {
    panel.problem(t("ws.error.action", { reason: error.message || "" }));
  }
}

function renderAssignees() {
  const select = $("ws-assign-agent");
  if (!select) return;
  const options = state.users
    .filter((user) => user.active !== false)
    .map((user) => {
      const presence = state.presence.get(String(user.id)) || "offline";
      return el("option", { value: String(user.id), text: user.name + " · " + t("ws.presence." + presence) });
    });
  select.replaceChildren(
    el("option", { value: "", text: t("ws.assign.agent") }),
    el("option", { value: "unassign", text: t("ws.assign.nobody") }),
    ...options,
  );
}

async function loadPeople() {
  try {
    const users = await api("GET", "/users?limit=200");
    state.users = (users && users.data) || [];
    panel.setUsers(state.users);
  } catch (_) {
    state.users = [];
  }
  if (!page.canAssign) return;
  try {
    const presence = await api("GET", "/presence");
    for (const p of Array.isArray(presence) ? presence : []) state.presence.set(String(p.user_id), p.state);
  } catch (_) {
    // An older server without presence: everyone shows as offline.
  }
  renderAssignees();
  try {
    const teams = await api("GET", "/teams?limit=200");
    const options = ((teams && teams.data) || []).map((team) => el("option", { value: String(team.id), text: team.name }));
    $("ws-assign-team").replaceChildren(el("option", { value: "", text: t("ws.assign.team") }), ...options);
  } catch (_) {
    // No teams to offer.
  }
}

function install() {
  for (const tab of document.querySelectorAll(".ws-tab")) {
    tab.addEventListener("click", (event) => {
      event.preventDefault();
      changeView(tab.dataset.view, list.status);
    });
  }
  $("ws-status").addEventListener("change", (event) => changeView(list.view, event.target.value));
  $("ws-assign-me").addEventListener("click", () => act("/assign", { assignee_id: page.userId }));
  $("ws-resolve").addEventListener("click", () => act("/resolve"));
  $("ws-reopen").addEventListener("click", () => act("/reopen"));
  const agentSelect = $("ws-assign-agent");
  if (agentSelect) {
    agentSelect.addEventListener("change", () => {
      const value = agentSelect.value;
      agentSelect.value = "";
      if (value === "unassign") act("/assign", { unassign: true });
      else if (value) act("/assign", { assignee_id: value });
    });
  }
  const teamSelect = $("ws-assign-team");
  if (teamSelect) {
    teamSelect.addEventListener("change", () => {
      const value = teamSelect.value;
      teamSelect.value = "";
      if (value) act("/assign", { team_id: value });
    });
  }
  $("ws-back").addEventListener("click", backToList);
  const collapsed = window.localStorage.getItem(CONTACT_KEY) === "collapsed";
  root.classList.toggle("contact-collapsed", collapsed);
  $("ws-contact-toggle").setAttribute("aria-expanded", String(!collapsed));
  $("ws-contact-toggle").addEventListener("click", () => toggleContact());
  $("ws-contact-close").addEventListener("click", () => toggleContact(false));
  window.addEventListener("popstate", () => {
    const id = new URLSearchParams(window.location.search).get("c");
    if (id) openConversation(id, false);
    else root.dataset.pane = "list";
  });
  installShortcuts({
    next: () => openConversation(list.neighbour(1), true),
    previous: () => openConversation(list.neighbour(-1), true),
    reply: () => panel.id && composer.focus(),
    resolve: () => panel.id && !$("ws-resolve").hidden && act("/resolve"),
    back: () => {
      if (root.dataset.pane === "contact") root.dataset.pane = "conversation";
      else if (window.matchMedia("(max-width: 800px)").matches) backToList();
    },
  });
  window.setInterval(refreshWhenDue, 2000);
}

/** Desktop: show or hide the side panel; phone: switch between conversation and contact. */
function toggleContact(show) {
  if (window.matchMedia("(max-width: 800px)").matches) {
    root.dataset.pane = show === false || root.dataset.pane === "contact" ? "conversation" : "contact";
    return;
  }
  const collapse = show === undefined ? !root.classList.contains("contact-collapsed") : !show;
  root.classList.toggle("contact-collapsed", collapse);
  $("ws-contact-toggle").setAttribute("aria-expanded", String(!collapse));
  window.localStorage.setItem(CONTACT_KEY, collapse ? "collapsed" : "open");
}

if (root) {
  install();
  socket.start();
  refreshList();
  loadPeople();
  if (root.dataset.open) openConversation(root.dataset.open, false);
}
