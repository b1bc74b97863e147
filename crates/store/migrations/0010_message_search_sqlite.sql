-- Message search on SQLite: an external-content FTS5 table over messages.search_tokens, kept in step
-- by triggers; `ascii` tokenizer for the same reason as search_fts (migration 2): the app's tokens reach
-- the index exactly as made. Its rowid is the message id, so `ORDER BY rowid DESC` is newest first.
-- `detail = 'none'` and `columnsize = 0`: no positions, no per-row sizes — the index only has to find
-- the messages holding every query token (ranking uses the stored tokens), and each insert writes less.
CREATE VIRTUAL TABLE message_fts USING fts5 (
    search_tokens,
    content = 'messages',
    content_rowid = 'id',
    tokenize = 'ascii',
    detail = 'none',
    columnsize = 0
);
CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages WHEN new.search_tokens IS NOT NULL BEGIN
    INSERT INTO message_fts (rowid, search_tokens) VALUES (new.id, new.search_tokens);
END;
CREATE TRIGGER messages_fts_au AFTER UPDATE OF search_tokens ON messages BEGIN
    INSERT INTO message_fts (message_fts, rowid, search_tokens)
        SELECT 'delete', old.id, old.search_tokens WHERE old.search_tokens IS NOT NULL;
    INSERT INTO message_fts (rowid, search_tokens)
        SELECT new.id, new.search_tokens WHERE new.search_tokens IS NOT NULL;
END;
CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages WHEN old.search_tokens IS NOT NULL BEGIN
    INSERT INTO message_fts (message_fts, rowid, search_tokens) VALUES ('delete', old.id, old.search_tokens);
END;
