-- Concierge schema version 5: outbox entries of welcome emails written before version 5 held the
-- activation link's token until delivered (forever when parked). Links are now derived when the
-- email is sent, so the token is removed from every such row.
UPDATE records SET body = json_remove(body, '$.record.message.token')
    WHERE kind = 'outbox_entry' AND json_extract(body, '$.record.message.token') IS NOT NULL;
PRAGMA user_version = 5;
