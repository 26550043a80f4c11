-- 0003: listing one annotator's layer (of a document, or of the whole
-- project) reads only that layer's rows, in id order, instead of every
-- layer's rows of the document: the common read of an annotator's client.
CREATE INDEX annotations_layer_id ON annotations (project, document, annotator, id);
CREATE INDEX annotations_annotator_id ON annotations (project, annotator, id);
