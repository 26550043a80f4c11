-- 0002: the history that snapshot reads, the change feed and retention need.

-- Every status change of every layer. The status of a layer as of revision R
-- is that of its newest row with rev <= R; a layer without such a row is in
-- progress and has never been set. Status 0 marks a layer forgotten when its
-- document was deleted (a new document may take the same id): it reads as no
-- row. The layers table keeps the current status for cheap current reads.
CREATE TABLE layer_history (
    project   TEXT    NOT NULL,
    document  TEXT    NOT NULL,
    annotator TEXT    NOT NULL,
    rev       INTEGER NOT NULL,
    status    INTEGER NOT NULL,
    time      INTEGER NOT NULL,
    PRIMARY KEY (project, document, annotator, rev)
) WITHOUT ROWID;
-- The change feed reads a project's status changes by revision.
CREATE INDEX layer_history_rev ON layer_history (project, rev);
INSERT INTO layer_history (project, document, annotator, rev, status, time)
    SELECT project, document, annotator, rev, status, time FROM layers;

-- The change feed: versions opened and versions closed in a range of
-- revisions. Retention deletes closed versions through the closed indexes.
CREATE INDEX annotations_created ON annotations (project, created_rev);
CREATE INDEX annotations_closed ON annotations (project, deleted_rev) WHERE deleted_rev IS NOT NULL;
CREATE INDEX documents_created ON documents (project, created_rev);
CREATE INDEX documents_closed ON documents (project, deleted_rev) WHERE deleted_rev IS NOT NULL;
-- Retention deletes a text when no document version uses it any more (and
-- the foreign key check of that delete looks for users too).
CREATE INDEX documents_text ON documents (text_id);

-- The kind of the referring annotation, so that "which clusters hold these
-- annotations as of R" is answered from one small covering index over every
-- version of the clusters' references.
ALTER TABLE annotation_refs ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;
UPDATE annotation_refs SET kind = (SELECT i.kind FROM annotation_ids i WHERE i.id = annotation_refs.source);
CREATE INDEX annotation_refs_clusters ON annotation_refs (target, created_rev, deleted_rev, source) WHERE kind = 5;
CREATE INDEX annotation_refs_closed ON annotation_refs (deleted_rev) WHERE deleted_rev IS NOT NULL;

-- Retention finds the newest revision committed before a time.
CREATE INDEX revisions_time ON revisions (time);
