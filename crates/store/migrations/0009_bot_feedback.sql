-- Feedback on the FAQ bot: customers' ratings of its answers (one per bot message, changeable), and
-- the questions it could not answer or answered badly, grouped by normalized text for admins.

CREATE TABLE bot_ratings (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    message_id BIGINT PRIMARY KEY,
    conversation_id BIGINT NOT NULL,
    rating TEXT NOT NULL,
    -- 1 once a "down" of this message was counted on the unanswered list (it counts once).
    reported BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE bot_unanswered (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    id BIGINT PRIMARY KEY,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    question TEXT NOT NULL,
    question_key TEXT NOT NULL,
    guesses TEXT NOT NULL,
    occurrences BIGINT NOT NULL,
    conversation_id BIGINT NOT NULL,
    message_id BIGINT,
    status TEXT NOT NULL,
    faq_id BIGINT,
    first_seen BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    closed_by BIGINT,
    closed_at BIGINT
);
-- One open item per question and kind: a new occurrence counts on it.
CREATE UNIQUE INDEX bot_unanswered_open ON bot_unanswered (account_id, kind, question_key) WHERE status = 'open';
CREATE INDEX bot_unanswered_recent ON bot_unanswered (account_id, status, last_seen);
