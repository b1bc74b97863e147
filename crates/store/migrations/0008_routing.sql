-- Routing: agent status and capacity, team queues and policies, routing rules, inactivity.

-- Per agent: the state they chose, their activity, a capacity override and routing bookkeeping.
-- `state` is the effective state routing uses and supervisors see.
CREATE TABLE agent_status (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    chosen TEXT NOT NULL,
    auto_away TEXT,
    state TEXT NOT NULL,
    state_since BIGINT NOT NULL,
    capacity BIGINT,
    last_activity_at BIGINT NOT NULL,
    disconnected_at BIGINT,
    last_assigned_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX agent_status_account ON agent_status (account_id, state);

-- Time in each state: one row per interval, closed when the state changes.
CREATE TABLE presence_log (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    state TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at BIGINT
);
CREATE INDEX presence_log_user ON presence_log (account_id, user_id, started_at);

-- Skill level of an agent in a team (1-5), and the team's queue settings (JSON).
ALTER TABLE team_members ADD COLUMN proficiency BIGINT NOT NULL DEFAULT 3;
ALTER TABLE teams ADD COLUMN routing TEXT NOT NULL DEFAULT '{}';

-- The account's routing settings (JSON): default team and capacity, stickiness, presence timers,
-- inactivity timers, business hours.
CREATE TABLE routing_settings (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id),
    settings TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE routing_rules (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    position BIGINT NOT NULL,
    enabled BIGINT NOT NULL,
    conditions TEXT NOT NULL,
    actions TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX routing_rules_account ON routing_rules (account_id, position);

ALTER TABLE contacts ADD COLUMN vip_level BIGINT NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
ALTER TABLE contacts ADD COLUMN last_agent_id BIGINT;
ALTER TABLE contacts ADD COLUMN last_served_at BIGINT;

-- Waiting in a queue since `queued_at` (NULL: not waiting); offered to `offered_to` until
-- `offer_expires_at`; `team_since` is when it entered its current team (overflow counts from there).
ALTER TABLE conversations ADD COLUMN queued_at BIGINT;
ALTER TABLE conversations ADD COLUMN queue_rank BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN team_since BIGINT;
ALTER TABLE conversations ADD COLUMN offered_to BIGINT;
ALTER TABLE conversations ADD COLUMN offer_expires_at BIGINT;
ALTER TABLE conversations ADD COLUMN declined_by TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN assigned_at BIGINT;
ALTER TABLE conversations ADD COLUMN last_customer_at BIGINT;
ALTER TABLE conversations ADD COLUMN last_agent_at BIGINT;
CREATE INDEX conversations_queue ON conversations (account_id, team_id, queue_rank DESC, queued_at, id)
    WHERE queued_at IS NOT NULL AND offered_to IS NULL;
CREATE INDEX conversations_offers ON conversations (offer_expires_at) WHERE offered_to IS NOT NULL;
CREATE INDEX conversations_silence ON conversations (status, last_agent_at) WHERE last_agent_at IS NOT NULL;
