-- Knowledge base: a category tree, articles, FAQ entries and their versions.
-- The full-text index (search_documents) differs per backend: 0002_search_sqlite.sql / 0002_search_postgres.sql.

CREATE TABLE kb_categories (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    id BIGINT PRIMARY KEY,
    parent_id BIGINT REFERENCES kb_categories (id),
    name TEXT NOT NULL,
    slug TEXT NOT NULL,
    position BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (account_id, slug)
);
CREATE INDEX kb_categories_parent ON kb_categories (account_id, parent_id, position);

CREATE TABLE kb_articles (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    id BIGINT PRIMARY KEY,
    category_id BIGINT REFERENCES kb_categories (id),
    title TEXT NOT NULL,
    slug TEXT NOT NULL,
    body TEXT NOT NULL,
    body_html TEXT NOT NULL,
    -- '|tag one|tag two|' (or ''), so one tag is found with LIKE '%|tag|%'.
    tags TEXT NOT NULL,
    status TEXT NOT NULL,
    locale TEXT NOT NULL,
    author_id BIGINT REFERENCES users (id),
    version BIGINT NOT NULL,
    view_count BIGINT NOT NULL,
    helpful_count BIGINT NOT NULL,
    not_helpful_count BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    published_at BIGINT,
    UNIQUE (account_id, slug)
);
CREATE INDEX kb_articles_category ON kb_articles (account_id, category_id);

CREATE TABLE kb_faqs (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    id BIGINT PRIMARY KEY,
    external_id TEXT,
    category_id BIGINT REFERENCES kb_categories (id),
    question TEXT NOT NULL,
    -- JSON array of strings (`similar` is a keyword in PostgreSQL).
    similar_questions TEXT NOT NULL,
    answer TEXT NOT NULL,
    locale TEXT NOT NULL,
    status TEXT NOT NULL,
    version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (account_id, external_id)
);
CREATE INDEX kb_faqs_category ON kb_faqs (account_id, category_id);

-- Every saved version of an article or FAQ entry (version 1 is the first), with who and when.
CREATE TABLE kb_versions (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    object_kind TEXT NOT NULL,
    object_id BIGINT NOT NULL,
    version BIGINT NOT NULL,
    author_id BIGINT,
    author_name TEXT NOT NULL,
    reason TEXT NOT NULL,
    content TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (object_id, version)
);
CREATE INDEX kb_versions_object ON kb_versions (account_id, object_kind, object_id, version);
