// The supervisors' queue board (/routing/board): kept live from the realtime socket (presence and
// conversation events ask for a fresh `GET /api/v1/routing/board`, debounced), with a slow poll as a
// fallback; waits tick every second; a team's waiting conversations can be assigned or taken over.
// The socket says `presence: false`: watching the board does not make a supervisor available.

import { api } from "./ws-api.js";
import { $, el, page, t } from "./ws-dom.js";
import { RealtimeSocket } from "./ws-socket.js";

const DEBOUNCE_MS = 300;
const POLL_MS = 30000;
const POLL_OFFLINE_MS = 5000;
const STATES = ["online", "busy", "away", "offline"];

const state = { board: null, fetchedAt: Date.now(), timer: null, lastLoad: 0, team: null, waitingKey: null, open: false };

/** Seconds as m:ss or h:mm:ss. */
function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n) => String(n).padStart(2, "0");
  return h > 0 ? h + ":" + pad(m) + ":" + pad(s % 60) : m + ":" + pad(s % 60);
}

function elapsed() {
  return (Date.now() - state.fetchedAt) / 1000;
}

function refreshSoon() {
  window.clearTimeout(state.timer);
  state.timer = window.setTimeout(load, DEBOUNCE_MS);
}

async function load() {
  state.lastLoad = Date.now();
  try {
    const board = await api("GET", "/routing/board");
    state.board = board;
    state.fetchedAt = Date.now();
    render();
    if (state.team) loadWaiting();
  } catch (_) {
    $("board-status").textContent = t("rt.board.failed");
  }
}

function cell(label, content, extra) {
  return el("td", Object.assign({ "data-label": label }, extra || {}), content);
}

function render() {
  const board = state.board;
  const teams = board.teams.map((team) =>
    el(
      "tr",
      { id: "board-team-" + team.team_id, class: team.waiting > 0 ? "rt-has-waiting" : null, dataset: { teamId: String(team.team_id) } },
      cell(t("rt.board.team"), el("a", { href: "#board-queue", class: "rt-team-open", text: team.name, on: { click: (e) => openTeam(e, team) } })),
      cell(t("rt.board.waiting"), String(team.waiting), { class: "rt-waiting" }),
      cell(t("rt.board.longest"), team.waiting > 0 ? clock(team.longest_wait_seconds) : "–", {
        class: "rt-wait",
        "data-seconds": String(team.waiting > 0 ? team.longest_wait_seconds : -1),
      }),
      cell(t("rt.board.offered"), String(team.offered)),
      cell(t("rt.board.free"), String(team.agents_free)),
      cell(t("rt.board.full"), String(team.agents_full)),
      cell(t("rt.state.busy"), String(team.agents_busy)),
      cell(t("rt.state.away"), String(team.agents_away)),
      cell(t("rt.state.offline"), String(team.agents_offline)),
    ),
  );
  $("board-teams").tBodies[0].replaceChildren(...teams);
  const now = Date.parse(board.at) || Date.now();
  const agents = board.agents.map((agent) => {
    const since = Math.max(0, (now - (Date.parse(agent.since) || now)) / 1000);
    const reason = agent.state === "away" && agent.auto_away ? t("rt.board.away_" + agent.auto_away) : null;
    return el(
      "tr",
      { id: "board-agent-" + agent.user_id, dataset: { state: agent.state } },
      cell(t("rt.board.name"), agent.name),
      cell(t("rt.board.state"), [
        el("span", { class: "rt-state rt-state-" + agent.state, text: stateLabel(agent.state) }),
        reason ? el("span", { class: "muted small rt-reason", text: " " + reason }) : null,
      ]),
      cell(t("rt.board.since"), clock(since), { class: "rt-since", "data-seconds": String(Math.floor(since)) }),
      cell(t("rt.board.load"), agent.load + " / " + agent.capacity),
    );
  });
  $("board-agents").tBodies[0].replaceChildren(...agents);
}

function stateLabel(value) {
  return t("rt.state." + (STATES.includes(value) ? value : "offline"));
}

/** Waits and "since" times move on every second between loads. */
function tick() {
  const passed = elapsed();
  for (const node of document.querySelectorAll(".rt-wait[data-seconds], .rt-since[data-seconds]")) {
    const base = Number(node.dataset.seconds);
    if (base >= 0) node.textContent = clock(base + passed);
  }
  for (const node of document.querySelectorAll(".rt-queue-wait[data-since]")) {
    node.textContent = clock((Date.now() - Number(node.dataset.since)) / 1000);
  }
}

function openTeam(event, team) {
  event.preventDefault();
  state.team = { id: String(team.team_id), name: team.name };
  state.waitingKey = null;
  $("board-queue").hidden = false;
  $("board-queue-title").textContent = t("rt.board.queue_title", { team: team.name });
  loadWaiting();
  $("board-queue").scrollIntoView({ block: "nearest" });
}

async function loadWaiting() {
  const team = state.team;
  if (!team) return;
  try {
    const list = await api("GET", "/conversations?unassigned=true&limit=200&team_id=" + encodeURIComponent(team.id));
    const waiting = ((list && list.data) || []).filter((c) => c.queued_at);
    waiting.sort((a, b) => Date.parse(a.queued_at) - Date.parse(b.queued_at));
    if (state.team !== team) return;
    renderWaiting(waiting);
  } catch (error) {
    problem(t("rt.board.failed"));
  }
}

function problem(text) {
  $("board-queue-problem").hidden = !text;
  $("board-queue-problem").textContent = text || "";
}

function agentOptions() {
  const agents = (state.board && state.board.agents) || [];
  return agents.map((a) => el("option", { value: String(a.user_id), text: a.name + " · " + stateLabel(a.state) + " · " + a.load + "/" + a.capacity }));
}

/** Redraws the waiting list when it changed, and not while the supervisor is choosing in it. */
function renderWaiting(waiting) {
  const agents = (state.board && state.board.agents) || [];
  const key = JSON.stringify([
    waiting.map((c) => [c.id, c.offered_to, c.priority, c.contact_vip_level]),
    agents.map((a) => [a.user_id, a.state, a.load, a.capacity]),
  ]);
  const list = $("board-waiting");
  const choosing = list.contains(document.activeElement) && document.activeElement.tagName === "SELECT";
  if (key === state.waitingKey || choosing) return;
  state.waitingKey = key;
  $("board-queue-empty").hidden = waiting.length > 0;
  const items = waiting.map((c) => {
    const id = String(c.id);
    const select = el("select", { class: "rt-assign", "aria-label": t("rt.board.assign_to") }, el("option", { value: "", text: t("rt.board.assign_to") }), agentOptions());
    select.addEventListener("change", () => select.value && assign(id, select.value));
    const offered = c.offered_to ? (agents.find((a) => String(a.user_id) === String(c.offered_to)) || {}).name : null;
    return el(
      "li",
      { class: "rt-queue-item", id: "board-waiting-" + id },
      el("a", { href: "/inbox?view=all&c=" + encodeURIComponent(id), class: "rt-queue-name", text: c.contact_name || t("rt.board.unnamed") }),
      c.contact_vip_level > 0 ? el("span", { class: "badge rt-vip", text: "VIP " + c.contact_vip_level }) : null,
      c.priority && c.priority !== "normal" ? el("span", { class: "badge rt-priority-" + c.priority, text: t("rt.priority." + c.priority) }) : null,
      offered ? el("span", { class: "muted small", text: t("rt.board.offered_to", { name: offered }) }) : null,
      el("span", { class: "rt-queue-wait", dataset: { since: String(Date.parse(c.queued_at)) }, text: clock((Date.now() - Date.parse(c.queued_at)) / 1000) }),
      page.canAssign ? select : null,
      page.canAssign ? el("button", { type: "button", class: "button small", text: t("rt.board.take_over"), on: { click: () => assign(id, page.userId) } }) : null,
    );
  });
  list.replaceChildren(...items);
}

async function assign(id, userId) {
  problem(null);
  try {
    await api("POST", "/conversations/" + encodeURIComponent(id) + "/assign", { assignee_id: userId });
    refreshSoon();
  } catch (error) {
    problem(t("rt.board.assign_failed", { reason: error.message || "" }));
  }
}

function connection(value) {
  state.open = value === "open";
  $("board-status").textContent = state.open ? t("rt.board.live") : t("rt.board.reconnecting");
}

function received(frame) {
  if (frame.type !== "event") return;
  if (["presence.updated", "conversation.updated", "conversation.created"].includes(frame.topic)) refreshSoon();
}

if (page.root) {
  for (const link of document.querySelectorAll(".rt-team-open")) {
    link.addEventListener("click", (event) => openTeam(event, { team_id: link.dataset.teamId, name: link.textContent }));
  }
  $("board-queue-close").addEventListener("click", () => {
    state.team = null;
    $("board-queue").hidden = true;
  });
  const socket = new RealtimeSocket(
    {
      onState: connection,
      onWelcome: () => {
        socket.send({ type: "subscribe", conversations: [], inbox: { view: "all" } });
        refreshSoon();
      },
      onFrame: received,
    },
    { presence: false },
  );
  socket.start();
  window.setInterval(tick, 1000);
  window.setInterval(() => {
    if (Date.now() - state.lastLoad >= (state.open ? POLL_MS : POLL_OFFLINE_MS)) load();
  }, 1000);
}
