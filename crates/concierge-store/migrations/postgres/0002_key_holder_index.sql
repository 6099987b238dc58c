-- Concierge schema version 2: keys listed by holder (a resident's keys at move-out) use an index.
CREATE INDEX records_by_holder ON records (kind, holder, id);
