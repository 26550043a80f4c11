// Package labelstudio reads and writes Label Studio JSON exports of text
// annotation projects, mapping tasks to scholia documents with one layer
// per annotator and per model.
//
// It imports only the standard library and the root scholia package.
//
// # Tasks, annotations and predictions
//
// A task is a document: its text is data.text (ReadOptions.TextKey); its id
// is data.doc_id, else the task id, else "task-<index>"; data.title, url,
// source, language and publish_time fill in the document's fields. Each
// annotation is one layer named after completed_by (a user id, or an object
// with id and email) through ReadOptions.Annotators; each prediction a
// layer named after its model_version. Report.PredictionLayers lists the
// prediction layers, so that Write can write them back as predictions.
//
// # Results
//
//	labels region, from_name "event"      an event; its trigger is the region
//	labels region, from_name "claim"      a claim; its spans are the region
//	labels region, from_name "cue"        the cue of the claim whose "Cue" relation points to it
//	labels region, any other from_name    a mention
//	value.labels                          Label = first label; further labels in AttrExtraLabels
//	meta.text (region note)               attribute "note" (lines joined by "\n")
//	score                                 attribute "score"
//	choices/textarea/rating/number result
//	  with the id of a region             attribute from_name = the value (choices joined by
//	                                      "|", text lines by "\n"); on a claim region, from_names
//	                                      stance, check_worthiness, claimant and
//	                                      normalized_value/_unit/_time fill the claim's fields
//	relation from an event region         an argument, role = the label, unless the label is a
//	                                      relation type of the schema
//	relation "Source" from a claim        the claim's claimant
//	relation "Equiv"                      links the members of a cluster
//	relation, any other                   a relation; direction "left" swaps the ends, "bi"
//	                                      sets the attribute direction=bi
//
// The first label of a relation result decides what it is; further labels
// are kept in AttrExtraLabels on relations and reported as ignored on
// arguments, claim parts and cluster links.
//
// Label Studio regions are contiguous; a discontinuous span is written as a
// region and further regions with the ids ID_frag2, ID_frag3 (FragmentSep),
// which Read joins again. Clusters are written as a chain of "Equiv"
// relations; their titles and attributes, and relation attributes, have no
// place in Label Studio and are returned as omissions.
//
// # Offsets
//
// Older Label Studio versions count offsets in UTF-16 code units, newer
// ones in code points. Read detects which per region from value.text (see
// Read), converts to code points and reports per task how many regions it
// converted; Write writes code points, or UTF-16 units with
// WriteOptions.UTF16.
//
// # Round trips
//
// Label Studio -> scholia -> Label Studio gives the same results up to
// region ids, the offset unit, the direction of relations drawn leftwards,
// the links of a cluster (written as a chain) and completed_by objects
// (written with the id or the email, not both).
package labelstudio
