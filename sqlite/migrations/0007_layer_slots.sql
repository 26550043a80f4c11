-- 0007: each layer's annotation versions get neighbouring row ids (vid), so
-- that reading a layer reads a few table pages instead of one page a row.
-- A layer (project, document, annotator) owns one or more slots; slot n
-- holds the vids from n << 32 to (n + 1) << 32 - 1. Rows written before this
-- migration keep their vids, which are all below 1 << 32.
CREATE TABLE layer_slots (
    slot      INTEGER PRIMARY KEY,
    project   TEXT    NOT NULL,
    document  TEXT    NOT NULL,
    annotator TEXT    NOT NULL
);
CREATE INDEX layer_slots_layer ON layer_slots (project, document, annotator, slot);
