-- Quick replies: an agent's own, a team's, or the whole account's canned answers.

CREATE TABLE quick_replies (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    id BIGINT PRIMARY KEY,
    owner_id BIGINT REFERENCES users (id),
    team_id BIGINT REFERENCES teams (id) ON DELETE CASCADE,
    shortcut TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    category TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX quick_replies_account ON quick_replies (account_id, shortcut);
