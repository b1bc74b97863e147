// The agent's own presence. The selector says what they chose (online, busy, away, offline); the badge
// beside it the effective state when the system decided otherwise ("Away: idle", "Away: missed an
// offer"). Chosen with `PUT /api/v1/presence/me`. Work in the page (keys, pointer, scrolling) is told
// to the server as an `activity` frame at most once a minute, so an agent at work is not made away.

import { api } from "./ws-api.js";
import { $, page, t } from "./ws-dom.js";

const ACTIVITY_EVERY_MS = 60000;
const CHOICES = ["online", "busy", "away", "offline"];

export class PresenceControl {
  constructor(socket) {
    this.socket = socket;
    this.lastActivity = 0;
    this.select = $("ws-presence");
    this.badge = $("ws-presence-state");
    this.select.addEventListener("change", () => this.choose(this.select.value));
    for (const type of ["keydown", "pointerdown", "pointermove", "wheel", "touchstart"]) {
      document.addEventListener(type, () => this.active(), { passive: true });
    }
  }

  /** Reads the agent's state (after each `welcome`: connecting may have changed it). */
  async load() {
    try {
      const all = await api("GET", "/presence");
      const me = (Array.isArray(all) ? all : []).find((p) => String(p.user_id) === page.userId);
      if (me) this.show(me);
    } catch (_) {
      // An older server: the selector keeps what it shows.
    }
  }

  async choose(state) {
    try {
      const answer = await api("PUT", "/presence/me", { state });
      this.show({ state: answer ? answer.state : state, chosen: state, auto_away: null });
    } catch (_) {
      this.badge.textContent = t("rt.ws.presence_failed");
      this.badge.hidden = false;
    }
  }

  /** A `presence.updated` event: `{user_id, state, auto_away}`. */
  update(event) {
    if (String(event.user_id) === page.userId) this.show(event);
  }

  show(presence) {
    if (CHOICES.includes(presence.chosen)) this.select.value = presence.chosen;
    const state = presence.state;
    let text = "";
    if (state === "away" && presence.auto_away === "idle") text = t("rt.ws.away_idle");
    else if (state === "away" && presence.auto_away === "missed_offer") text = t("rt.ws.away_missed_offer");
    else if (CHOICES.includes(state) && state !== this.select.value) text = t("ws.presence." + state);
    this.badge.textContent = text;
    this.badge.hidden = !text;
    this.badge.dataset.state = state || "";
    page.root.dataset.presence = state || "";
  }

  /** Keys or pointer in the page: tell the server, at most once a minute. */
  active() {
    const now = Date.now();
    if (now - this.lastActivity < ACTIVITY_EVERY_MS) return;
    if (this.socket.send({ type: "activity" })) this.lastActivity = now;
  }
}
