-- The website widget channel, visitors, attachments, read positions and presence.

ALTER TABLE channels ADD COLUMN public_key TEXT;
ALTER TABLE channels ADD COLUMN identity_secret TEXT;
ALTER TABLE channels ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
CREATE UNIQUE INDEX channels_public_key ON channels (public_key);

ALTER TABLE contacts ADD COLUMN phone TEXT;
ALTER TABLE contacts ADD COLUMN verified BIGINT NOT NULL DEFAULT 0;
ALTER TABLE contacts ADD COLUMN attributes TEXT NOT NULL DEFAULT '{}';

ALTER TABLE conversations ADD COLUMN customer_read_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN agent_read_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN page_url TEXT;
ALTER TABLE conversations ADD COLUMN page_title TEXT;
ALTER TABLE conversations ADD COLUMN locale TEXT;
ALTER TABLE conversations ADD COLUMN prechat TEXT NOT NULL DEFAULT '{}';

ALTER TABLE messages ADD COLUMN author_name TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';
CREATE INDEX messages_customer_client ON messages (account_id, author_id, client_id);

-- A browser that chatted through a widget; the token itself is never stored, only its SHA-256.
CREATE TABLE visitors (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    id BIGINT PRIMARY KEY,
    channel_id BIGINT NOT NULL REFERENCES channels (id),
    contact_id BIGINT NOT NULL REFERENCES contacts (id),
    token_hash TEXT NOT NULL UNIQUE,
    page_url TEXT,
    page_title TEXT,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX visitors_contact ON visitors (account_id, contact_id);

-- Per user and node: how many workspace connections are open and the state the user chose.
CREATE TABLE presence (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    node_id BIGINT NOT NULL,
    connections BIGINT NOT NULL,
    state TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, node_id)
);
CREATE INDEX presence_account ON presence (account_id, user_id);

-- Keys of this installation shared by every node (e.g. for signed file links); made on first use.
CREATE TABLE instance_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
