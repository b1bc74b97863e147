-- The FAQ bot in conversations: its state per conversation and what it decided per message.

ALTER TABLE conversations ADD COLUMN bot TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN meta TEXT NOT NULL DEFAULT '';
