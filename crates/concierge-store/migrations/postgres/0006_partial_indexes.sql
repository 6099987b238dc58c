-- Concierge schema version 6: each listing index holds only the rows that have its column. A
-- resident or a unit left NULL in the holder, status and due-date columns, yet every row was
-- written into those indexes (and units into the unit index): a sync's write of a resident
-- updated eight b-trees, four of them for nothing. Every query that uses one of these indexes
-- compares its column with a value, which implies the column is not NULL, so each index still
-- serves the same queries.
DROP INDEX records_by_unit;
CREATE INDEX records_by_unit ON records (kind, unit_id, id) WHERE unit_id IS NOT NULL;
DROP INDEX records_due;
CREATE INDEX records_due ON records (kind, status, due_at) WHERE due_at IS NOT NULL;
DROP INDEX records_by_holder;
CREATE INDEX records_by_holder ON records (kind, holder, id) WHERE holder IS NOT NULL;
DROP INDEX records_by_status;
CREATE INDEX records_by_status ON records (kind, status, id) WHERE status IS NOT NULL;
DROP INDEX records_by_holder_status;
CREATE INDEX records_by_holder_status ON records (kind, holder, status, id)
    WHERE holder IS NOT NULL AND status IS NOT NULL;
