CREATE TABLE attachments (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    id BIGINT PRIMARY KEY,
    channel_id BIGINT NOT NULL REFERENCES channels (id),
    conversation_id BIGINT REFERENCES conversations (id),
    message_id BIGINT,
    uploader_kind TEXT NOT NULL,
    uploader_id BIGINT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    byte_size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    storage TEXT NOT NULL,
    data BYTEA,
    created_at BIGINT NOT NULL
);
CREATE INDEX attachments_uploader ON attachments (account_id, uploader_kind, uploader_id);
