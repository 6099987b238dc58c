-- Concierge schema version 1 (PostgreSQL).
-- Every record is one row: its JSON body plus the columns the store queries and constrains.

CREATE TABLE records (
    kind         TEXT    NOT NULL,
    id           TEXT    NOT NULL,
    version      BIGINT NOT NULL,
    property_id  TEXT,
    unit_id      TEXT,
    ext_provider TEXT,
    ext_id       TEXT,
    holder       TEXT,
    live         BIGINT,
    status       TEXT,
    due_at       BIGINT,
    idem_key     TEXT,
    created_at   BIGINT,
    body         TEXT    NOT NULL,
    PRIMARY KEY (kind, id)
);

CREATE INDEX records_by_property ON records (kind, property_id, id);
CREATE INDEX records_by_unit ON records (kind, unit_id, id);
CREATE UNIQUE INDEX records_resident_external_ref ON records (property_id, ext_provider, ext_id)
    WHERE kind = 'resident' AND ext_id IS NOT NULL;
CREATE UNIQUE INDEX records_one_live_key ON records (holder, unit_id)
    WHERE kind = 'key' AND live = 1;
CREATE UNIQUE INDEX records_outbox_idempotency_key ON records (idem_key)
    WHERE kind = 'outbox_entry';
CREATE INDEX records_due ON records (kind, status, due_at);

CREATE TABLE leases (
    property_id TEXT    PRIMARY KEY,
    holder      TEXT    NOT NULL,
    expires_at  BIGINT NOT NULL
);

