-- The full-text index on SQLite: one row per searchable object (any kind), its tokens made by the
-- application's tokenizer, space-joined, and an external-content FTS5 table over them. The `ascii`
-- tokenizer splits on ASCII non-alphanumerics only, so the app's tokens (letters and digits,
-- lower-case, Chinese words whole) reach the index exactly as made. Triggers keep FTS5 in step.
CREATE TABLE search_documents (
    object_id INTEGER PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    kind TEXT NOT NULL,
    locale TEXT NOT NULL,
    status TEXT NOT NULL,
    tokens TEXT NOT NULL,
    length BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX search_documents_account ON search_documents (account_id, kind, locale);
CREATE VIRTUAL TABLE search_fts USING fts5 (
    tokens,
    content = 'search_documents',
    content_rowid = 'object_id',
    tokenize = 'ascii'
);
CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
    INSERT INTO search_fts (rowid, tokens) VALUES (new.object_id, new.tokens);
END;
CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
    INSERT INTO search_fts (search_fts, rowid, tokens) VALUES ('delete', old.object_id, old.tokens);
END;
CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN
    INSERT INTO search_fts (search_fts, rowid, tokens) VALUES ('delete', old.object_id, old.tokens);
    INSERT INTO search_fts (rowid, tokens) VALUES (new.object_id, new.tokens);
END;
