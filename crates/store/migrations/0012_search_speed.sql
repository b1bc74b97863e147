-- Search speed (issue 5). BM25 needs, per search, the number of documents in scope and their total
-- length; counting them read every document of the scope (100,000 articles: tens of milliseconds per
-- search). `search_collections` keeps those two figures per account, kind, locale and status, kept
-- exact by triggers on search_documents (migration 12's backend files), so a search sums a few rows.
CREATE TABLE search_collections (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    kind TEXT NOT NULL,
    locale TEXT NOT NULL,
    status TEXT NOT NULL,
    documents BIGINT NOT NULL,
    total_length BIGINT NOT NULL,
    PRIMARY KEY (account_id, kind, locale, status)
);
INSERT INTO search_collections (account_id, kind, locale, status, documents, total_length)
    SELECT account_id, kind, locale, status, COUNT(*), COALESCE(SUM(length), 0)
    FROM search_documents GROUP BY account_id, kind, locale, status;
