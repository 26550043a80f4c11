-- 0001: the initial schema of a scholia store.
--
-- Times are Unix nanoseconds (UTC). Revisions number every committed write;
-- documents and annotations are versioned: a version is current while its
-- deleted_rev is NULL and "as of revision R" means
-- created_rev <= R AND (deleted_rev IS NULL OR deleted_rev > R).

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
) WITHOUT ROWID;

-- One row per committed write, with who made it, when, and under which
-- client request id. result records what a create produced (JSON), so that a
-- retried create with the same user and request_id can answer with it; only
-- creates have a result, and only they are unique by request id (a client may
-- retry an update or a delete under the same request id).
CREATE TABLE revisions (
    rev         INTEGER PRIMARY KEY AUTOINCREMENT,
    user        TEXT    NOT NULL,
    time        INTEGER NOT NULL,
    op          TEXT    NOT NULL,
    request_id  TEXT,
    fingerprint TEXT,
    result      TEXT
);
CREATE UNIQUE INDEX revisions_request ON revisions (user, request_id) WHERE request_id IS NOT NULL AND result IS NOT NULL;

CREATE TABLE users (
    name        TEXT    PRIMARY KEY,
    role        INTEGER NOT NULL,
    disabled    INTEGER NOT NULL DEFAULT 0,
    create_time INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE tokens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user        TEXT    NOT NULL REFERENCES users (name),
    hash        BLOB    NOT NULL UNIQUE,
    description TEXT    NOT NULL,
    create_time INTEGER NOT NULL,
    revoke_time INTEGER
);
CREATE INDEX tokens_user ON tokens (user, id);

-- Projects are soft-deleted (deleted_rev) so that a project id can be used
-- again; pk never repeats and keys the schema versions.
CREATE TABLE projects (
    pk             INTEGER PRIMARY KEY AUTOINCREMENT,
    id             TEXT    NOT NULL,
    title          TEXT    NOT NULL,
    description    TEXT    NOT NULL,
    schema_version INTEGER NOT NULL,
    rev            INTEGER NOT NULL,
    created_rev    INTEGER NOT NULL,
    deleted_rev    INTEGER,
    create_time    INTEGER NOT NULL,
    update_time    INTEGER NOT NULL
);
CREATE UNIQUE INDEX projects_current ON projects (id) WHERE deleted_rev IS NULL;

-- Every version of every project's schema, as JSON of scholia.Schema.
CREATE TABLE project_schemas (
    project_pk INTEGER NOT NULL REFERENCES projects (pk),
    version    INTEGER NOT NULL,
    schema     TEXT    NOT NULL,
    rev        INTEGER NOT NULL,
    PRIMARY KEY (project_pk, version)
) WITHOUT ROWID;

-- Texts never change; document versions point at them.
CREATE TABLE texts (
    id   INTEGER PRIMARY KEY,
    text TEXT    NOT NULL
);

-- Document versions. length and sha256 are copied into every version so
-- that listing documents never reads a text.
CREATE TABLE documents (
    project      TEXT    NOT NULL,
    id           TEXT    NOT NULL,
    created_rev  INTEGER NOT NULL,
    deleted_rev  INTEGER,
    text_id      INTEGER NOT NULL REFERENCES texts (id),
    title        TEXT    NOT NULL,
    source       TEXT    NOT NULL,
    url          TEXT    NOT NULL,
    publish_time INTEGER,
    language     TEXT    NOT NULL,
    length       INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    create_time  INTEGER NOT NULL,
    update_time  INTEGER NOT NULL,
    PRIMARY KEY (project, id, created_rev)
);
CREATE UNIQUE INDEX documents_current ON documents (project, id) WHERE deleted_rev IS NULL;

-- One row per annotation ever made: ids are global and increasing.
CREATE TABLE annotation_ids (
    id        INTEGER PRIMARY KEY,
    project   TEXT    NOT NULL,
    document  TEXT    NOT NULL,
    annotator TEXT    NOT NULL,
    kind      INTEGER NOT NULL
);

-- Annotation versions. project, document, annotator and kind are copied from
-- annotation_ids so that filters are answered from indexes; create_rev and
-- create_time are those of the annotation's first version. spans, attrs and
-- body are JSON (see encode.go).
CREATE TABLE annotations (
    vid         INTEGER PRIMARY KEY,
    id          INTEGER NOT NULL REFERENCES annotation_ids (id),
    created_rev INTEGER NOT NULL,
    deleted_rev INTEGER,
    project     TEXT    NOT NULL,
    document    TEXT    NOT NULL,
    annotator   TEXT    NOT NULL,
    kind        INTEGER NOT NULL,
    label       TEXT    NOT NULL,
    spans       TEXT,
    attrs       TEXT,
    body        TEXT,
    create_rev  INTEGER NOT NULL,
    create_time INTEGER NOT NULL,
    update_time INTEGER NOT NULL,
    update_user TEXT    NOT NULL
);
CREATE UNIQUE INDEX annotations_id ON annotations (id, created_rev);
CREATE INDEX annotations_document ON annotations (project, document, id, created_rev, deleted_rev);
CREATE INDEX annotations_project ON annotations (project, id, created_rev, deleted_rev);
-- deleted_rev is always NULL in annotations_layer; having it as a column
-- makes the index covering for layer counts and ListLayers.
CREATE INDEX annotations_layer ON annotations (project, document, annotator, deleted_rev) WHERE deleted_rev IS NULL;

-- References between annotations, versioned like them, so that deleting a
-- referenced annotation can be refused with one index look-up.
CREATE TABLE annotation_refs (
    source      INTEGER NOT NULL,
    target      INTEGER NOT NULL,
    created_rev INTEGER NOT NULL,
    deleted_rev INTEGER
);
CREATE INDEX annotation_refs_target ON annotation_refs (target, source) WHERE deleted_rev IS NULL;
CREATE INDEX annotation_refs_source ON annotation_refs (source) WHERE deleted_rev IS NULL;

-- Layer statuses; a layer without a row is in progress.
CREATE TABLE layers (
    project   TEXT    NOT NULL,
    document  TEXT    NOT NULL,
    annotator TEXT    NOT NULL,
    status    INTEGER NOT NULL,
    rev       INTEGER NOT NULL,
    time      INTEGER NOT NULL,
    PRIMARY KEY (project, document, annotator)
) WITHOUT ROWID;
