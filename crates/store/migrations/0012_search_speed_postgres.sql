-- search_collections (0012_search_speed.sql) kept in step with search_documents: a document leaves
-- its old group and joins its new one. Groups that reach zero stay (with zeros), harmless to a sum.
CREATE FUNCTION search_collections_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE search_collections SET documents = documents - 1, total_length = total_length - OLD.length
            WHERE account_id = OLD.account_id AND kind = OLD.kind AND locale = OLD.locale AND status = OLD.status;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO search_collections (account_id, kind, locale, status, documents, total_length)
            VALUES (NEW.account_id, NEW.kind, NEW.locale, NEW.status, 1, NEW.length)
            ON CONFLICT (account_id, kind, locale, status)
            DO UPDATE SET documents = search_collections.documents + 1,
                total_length = search_collections.total_length + EXCLUDED.total_length;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER search_collections_track AFTER INSERT OR UPDATE OR DELETE ON search_documents
    FOR EACH ROW EXECUTE FUNCTION search_collections_track();

-- Message search on PostgreSQL: the tsvector also holds three lexemes of the message's own: its account
-- (`~a<id>`), and the 8-day block (`~w<n>`) and 64-day block (`~q<n>`) of its id's time (ids are
-- time-ordered), counted in days from the id epoch. The app's tokens are letters and digits, so `~` keeps
-- these apart from any word. A search reads its windows (repo::message_search), each one block, with a
-- query such as `'退款' & '~a42' & '~w130'`: GIN intersects the word's postings with the block's and the
-- account's before any row is read (driven by the shortest list), so the rows fetched are the account's
-- matches in the window, not every match of a common word. Rewrites the table once (a generated column).
DROP INDEX messages_search;
ALTER TABLE messages DROP COLUMN search_tsv;
ALTER TABLE messages ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS (
    CASE WHEN search_tokens IS NULL THEN NULL ELSE array_to_tsvector(string_to_array(search_tokens, ' ')
        || ARRAY['~a' || CAST(account_id AS TEXT), '~w' || CAST((id >> 22) / 691200000 AS TEXT),
            '~q' || CAST((id >> 22) / 5529600000 AS TEXT)])
    END) STORED;
CREATE INDEX messages_search ON messages USING GIN (search_tsv);
-- The planner's figures for the new lexemes.
ANALYZE messages;
