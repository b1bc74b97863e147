-- The full-text index on PostgreSQL: one row per searchable object (any kind), its tokens made by
-- the application's tokenizer, space-joined, and a tsvector built from exactly those tokens
-- (array_to_tsvector: no parser, no dictionary, no locale can re-split or fold them) with a GIN index.
CREATE TABLE search_documents (
    object_id BIGINT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    kind TEXT NOT NULL,
    locale TEXT NOT NULL,
    status TEXT NOT NULL,
    tokens TEXT NOT NULL,
    length BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    tsv tsvector GENERATED ALWAYS AS (array_to_tsvector(string_to_array(tokens, ' '))) STORED
);
CREATE INDEX search_documents_account ON search_documents (account_id, kind, locale);
CREATE INDEX search_documents_tsv ON search_documents USING GIN (tsv);
