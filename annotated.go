package scholia

// AnnotatedDocument is a document with annotations, the unit that format
// readers produce and writers consume. Annotation ids in it are local to the
// document (or to the corpus, for clusters across documents): references
// between its annotations use those ids, and an importer maps them to the
// ids the store assigns.
type AnnotatedDocument struct {
	Document    Document
	Annotations []Annotation
	Layers      []Layer
}
