-- Message search: each message's tokens, made by the application's tokenizer (the same code as the
-- knowledge-base index), stored on the message itself and written by the INSERT that stores the message.
-- NULL means "not indexed yet": rows written before this migration, which `App::index_pending_messages`
-- tokenizes in batches at start (the tokenizer lives in the application, not in SQL). The partial index
-- finds them and is empty once the backfill is done.
ALTER TABLE messages ADD COLUMN search_tokens TEXT;
CREATE INDEX messages_unindexed ON messages (id) WHERE search_tokens IS NULL;
-- Contact search compares the phone's digits only, so "+86 138-0013-8000" finds "13800138000".
ALTER TABLE contacts ADD COLUMN phone_digits TEXT NOT NULL DEFAULT '';
UPDATE contacts SET phone_digits = REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(REPLACE(COALESCE(phone, ''),
    ' ', ''), '-', ''), '+', ''), '(', ''), ')', ''), '.', '');
