-- Concierge schema version 5: outbox entries of welcome emails written before version 5 held the
-- activation link's token until delivered (forever when parked). Links are now derived when the
-- email is sent, so the token is removed from every such row.
UPDATE records SET body = (body::jsonb #- '{record,message,token}')::text
    WHERE kind = 'outbox_entry' AND (body::jsonb -> 'record' -> 'message') ? 'token';
