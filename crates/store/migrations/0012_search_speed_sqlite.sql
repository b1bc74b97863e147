-- search_collections (0012_search_speed.sql) kept in step with search_documents: a document leaves
-- its old group and joins its new one. Groups that reach zero stay (with zeros), harmless to a sum.
CREATE TRIGGER search_collections_ai AFTER INSERT ON search_documents BEGIN
    INSERT INTO search_collections (account_id, kind, locale, status, documents, total_length)
        VALUES (new.account_id, new.kind, new.locale, new.status, 1, new.length)
        ON CONFLICT (account_id, kind, locale, status)
        DO UPDATE SET documents = documents + 1, total_length = total_length + excluded.total_length;
END;
CREATE TRIGGER search_collections_ad AFTER DELETE ON search_documents BEGIN
    UPDATE search_collections SET documents = documents - 1, total_length = total_length - old.length
        WHERE account_id = old.account_id AND kind = old.kind AND locale = old.locale AND status = old.status;
END;
CREATE TRIGGER search_collections_au AFTER UPDATE OF account_id, kind, locale, status, length ON search_documents
BEGIN
    UPDATE search_collections SET documents = documents - 1, total_length = total_length - old.length
        WHERE account_id = old.account_id AND kind = old.kind AND locale = old.locale AND status = old.status;
    INSERT INTO search_collections (account_id, kind, locale, status, documents, total_length)
        VALUES (new.account_id, new.kind, new.locale, new.status, 1, new.length)
        ON CONFLICT (account_id, kind, locale, status)
        DO UPDATE SET documents = documents + 1, total_length = total_length + excluded.total_length;
END;
