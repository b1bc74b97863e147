-- Events: the outbox every service transaction appends to, with a gapless sequence per account.
-- outbox_heads.last_seq is taken with UPDATE ... RETURNING, which serialises the appends of one account
-- until commit, so sequences are committed in order and readers can tail them without missing any.

CREATE TABLE outbox_heads (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id),
    last_seq BIGINT NOT NULL
);
INSERT INTO outbox_heads (account_id, last_seq) SELECT id, 0 FROM accounts;

CREATE TABLE outbox (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    seq BIGINT NOT NULL,
    id BIGINT NOT NULL UNIQUE,
    topic TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, seq)
);
CREATE INDEX outbox_created ON outbox (created_at);
