-- Concierge schema version 4: a strata roll's members listed by state, a page at a time, use an index.
CREATE INDEX records_by_holder_status ON records (kind, holder, status, id);
PRAGMA user_version = 4;
