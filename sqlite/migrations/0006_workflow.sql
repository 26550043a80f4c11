-- 0006: the annotation workflow: project members, workflow settings,
-- assignments, provenance of copied annotations and rejections.

-- Members of a project, keyed by the project's pk so that a new project
-- that reuses a deleted one's id starts with no members.
CREATE TABLE project_members (
    project_pk INTEGER NOT NULL REFERENCES projects (pk),
    user       TEXT    NOT NULL REFERENCES users (name),
    role       INTEGER NOT NULL,
    rev        INTEGER NOT NULL,
    time       INTEGER NOT NULL,
    PRIMARY KEY (project_pk, user)
) WITHOUT ROWID;
CREATE INDEX project_members_user ON project_members (user, project_pk);

-- A project's workflow settings; a project without a row has the defaults
-- (blind annotation on).
CREATE TABLE workflow_settings (
    project_pk INTEGER PRIMARY KEY REFERENCES projects (pk),
    blind      INTEGER NOT NULL,
    rev        INTEGER NOT NULL,
    time       INTEGER NOT NULL
);

-- Documents assigned to annotators. Like layers, keyed by project and
-- document id; reads join the current documents.
CREATE TABLE assignments (
    project     TEXT    NOT NULL,
    document    TEXT    NOT NULL,
    annotator   TEXT    NOT NULL,
    assigned_by TEXT    NOT NULL,
    rev         INTEGER NOT NULL,
    time        INTEGER NOT NULL,
    PRIMARY KEY (project, document, annotator)
) WITHOUT ROWID;
CREATE INDEX assignments_annotator ON assignments (project, annotator, rev);

-- Provenance: annotation was made from source (curation into gold, an
-- accepted suggestion). Ids are stable across versions, so one row serves
-- every version of the annotation.
CREATE TABLE annotation_sources (
    annotation INTEGER NOT NULL,
    source     INTEGER NOT NULL,
    rev        INTEGER NOT NULL,
    PRIMARY KEY (annotation, source)
) WITHOUT ROWID;
CREATE INDEX annotation_sources_source ON annotation_sources (source, annotation);

-- The owner of layer rejected annotation (of another layer): a curator
-- rejecting a candidate for gold, an annotator rejecting a suggestion.
CREATE TABLE rejections (
    project    TEXT    NOT NULL,
    annotation INTEGER NOT NULL,
    layer      TEXT    NOT NULL,
    user       TEXT    NOT NULL,
    rev        INTEGER NOT NULL,
    time       INTEGER NOT NULL,
    PRIMARY KEY (annotation, layer)
) WITHOUT ROWID;
