-- The inbox: channels, contacts, conversations and their messages.

CREATE TABLE channels (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    id BIGINT PRIMARY KEY,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    active BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (account_id, name)
);

CREATE TABLE contacts (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT,
    external_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (account_id, external_id)
);
CREATE INDEX contacts_email ON contacts (account_id, email);

CREATE TABLE conversations (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    id BIGINT PRIMARY KEY,
    channel_id BIGINT NOT NULL REFERENCES channels (id),
    contact_id BIGINT NOT NULL REFERENCES contacts (id),
    status TEXT NOT NULL,
    assignee_id BIGINT REFERENCES users (id),
    team_id BIGINT REFERENCES teams (id) ON DELETE SET NULL,
    priority TEXT NOT NULL,
    tags TEXT NOT NULL,
    last_seq BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    last_message_at BIGINT,
    first_response_at BIGINT,
    resolved_at BIGINT
);
CREATE INDEX conversations_status ON conversations (account_id, status, id);
CREATE INDEX conversations_assignee ON conversations (account_id, assignee_id, status);
CREATE INDEX conversations_team ON conversations (account_id, team_id, status);
CREATE INDEX conversations_contact ON conversations (account_id, contact_id);

CREATE TABLE messages (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    id BIGINT PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id),
    seq BIGINT NOT NULL,
    author_kind TEXT NOT NULL,
    author_id BIGINT,
    text TEXT NOT NULL,
    private BIGINT NOT NULL,
    client_id TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (conversation_id, seq),
    UNIQUE (conversation_id, client_id)
);
