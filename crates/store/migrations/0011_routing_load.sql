-- Each agent's load (open conversations assigned to them, plus offers they hold), read by every
-- routing pass: partial indexes hold only those rows, so the count does not grow with the account's
-- history of resolved and closed conversations.
CREATE INDEX conversations_open_load ON conversations (account_id, assignee_id)
    WHERE status = 'open' AND assignee_id IS NOT NULL;
CREATE INDEX conversations_offered_to ON conversations (account_id, offered_to) WHERE offered_to IS NOT NULL;
