-- 0008: one index over a layer's versions instead of two. annotations_layer
-- (current versions only, for counts) and annotations_layer_id (every
-- version, for lists) both began with (project, document, annotator), so
-- every write changed a page of each. annotations_layer_versions serves
-- both: lists read it in id order and find each version's revisions in it,
-- and counts of current annotations read deleted_rev from it. An update
-- changes its old version's entry next to the new one's, on the same page.
DROP INDEX annotations_layer;
DROP INDEX annotations_layer_id;
CREATE INDEX annotations_layer_versions ON annotations (project, document, annotator, id, created_rev, deleted_rev);
