-- Message search on PostgreSQL: a tsvector generated from exactly the app's tokens (as for
-- search_documents, migration 2) with a GIN index. NULL tokens (not indexed yet) give a NULL vector.
ALTER TABLE messages ADD COLUMN search_tsv tsvector
    GENERATED ALWAYS AS (array_to_tsvector(string_to_array(search_tokens, ' '))) STORED;
CREATE INDEX messages_search ON messages USING GIN (search_tsv);
