-- Concierge schema version 3: outbox entries listed by status a page at a time, in id order, use an index.
CREATE INDEX records_by_status ON records (kind, status, id);
