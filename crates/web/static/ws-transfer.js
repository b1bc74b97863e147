// Transfer: a dialog in the open conversation to hand it to an agent (shown with their presence and
// load/capacity) or to a team's queue, with a note only agents see. `POST
// /api/v1/conversations/{id}/transfer`; a refusal (the agent has no room, or is away) stays in the
// dialog beside the choice.

import { api } from "./ws-api.js";
import { $, el, page, t } from "./ws-dom.js";

export class TransferDialog {
  /** hooks: `conversationId()`, `done(conversation)`. */
  constructor(hooks) {
    this.hooks = hooks;
    this.dialog = $("ws-transfer");
    this.agent = $("ws-transfer-agent");
    this.team = $("ws-transfer-team");
    this.note = $("ws-transfer-note");
    this.error = $("ws-transfer-error");
    $("ws-transfer-open").addEventListener("click", () => this.open());
    $("ws-transfer-cancel").addEventListener("click", () => this.dialog.close());
    $("ws-transfer-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.agent.addEventListener("change", () => this.agent.value && (this.team.value = ""));
    this.team.addEventListener("change", () => this.team.value && (this.agent.value = ""));
  }

  async open() {
    if (!this.hooks.conversationId()) return;
    this.problem(null);
    this.note.value = "";
    this.agent.replaceChildren();
    this.team.replaceChildren();
    const [people, teams] = await Promise.all([
      api("GET", "/presence").catch(() => []),
      api("GET", "/teams?limit=200").catch(() => ({ data: [] })),
    ]);
    const agents = (Array.isArray(people) ? people : []).filter((p) => String(p.user_id) !== page.userId);
    this.agent.replaceChildren(
      el("option", { value: "", text: t("rt.ws.transfer_pick_agent") }),
      ...agents.map((p) =>
        el("option", {
          value: String(p.user_id),
          text: p.name + " · " + t("ws.presence." + p.state) + " · " + p.load + "/" + p.capacity,
          dataset: { state: p.state },
        }),
      ),
    );
    this.team.replaceChildren(
      el("option", { value: "", text: t("rt.ws.transfer_pick_team") }),
      ...((teams && teams.data) || []).map((team) => el("option", { value: String(team.id), text: team.name })),
    );
    this.dialog.showModal();
    this.agent.focus();
  }

  problem(text) {
    this.error.hidden = !text;
    this.error.textContent = text || "";
  }

  async submit() {
    const id = this.hooks.conversationId();
    const body = { note: this.note.value };
    if (this.agent.value) body.to_agent_id = this.agent.value;
    else if (this.team.value) body.to_team_id = this.team.value;
    else return this.problem(t("rt.ws.transfer_pick"));
    $("ws-transfer-submit").disabled = true;
    try {
      const conversation = await api("POST", "/conversations/" + encodeURIComponent(id) + "/transfer", body);
      this.dialog.close();
      this.hooks.done(conversation);
    } catch (error) {
      this.problem(refusal(error));
    } finally {
      $("ws-transfer-submit").disabled = false;
    }
  }
}

/** A refusal in the page's language: "has no room", "is away", else the server's words. */
function refusal(error) {
  const fields = error.fields || {};
  const text = String(fields.to_agent_id || fields.to_team_id || fields.note || fields.status || error.message || "");
  const room = /^(.*) has no room$/.exec(text);
  if (room) return t("rt.ws.no_room", { name: room[1] });
  const state = /^(.*) is (away|offline|busy)$/.exec(text);
  if (state) return t("rt.ws.unavailable", { name: state[1], state: t("ws.presence." + state[2]) });
  return t("rt.ws.transfer_failed", { reason: text });
}
