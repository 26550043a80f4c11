// Package brat reads and writes brat standoff annotation (a .txt file with
// the text and an .ann file with one annotation per line) and brat's
// annotation.conf, mapping both to and from scholia's domain types.
//
// It imports only the standard library and the root scholia package, so any
// tool can use it without the server or the store.
//
// # Offsets
//
// brat and scholia both count Unicode code points, zero-based, end
// exclusive, so offsets pass through unchanged; scholia.Text converts them
// to byte offsets without rescanning the text per span. The .txt is taken
// byte for byte: a CRLF counts as two code points, as brat counts it.
//
// # Lines and what they become
//
//	T1<TAB>PER 0 5;10 15<TAB>text   a mention (Label = type, one span per fragment);
//	                                or the trigger of the events whose E lines name it
//	E1<TAB>Attack:T3 Attacker:T1    an event: Label = type, Spans = the trigger's spans,
//	                                Arguments in order; an argument may be an E (nested
//	                                events) and roles may repeat (see Read)
//	R1<TAB>Origin Arg1:T1 Arg2:T2   a relation: Label = type, Relation.Source/Target;
//	                                argument names other than Arg1/Arg2 are kept in the
//	                                attributes AttrSourceRole and AttrTargetRole
//	A1<TAB>Negated E1               attribute "Negated" = "true" (binary)
//	A2<TAB>Realis E1 ACTUAL         attribute "Realis" = "ACTUAL"; M lines (brat's old
//	                                name) are read like A lines and written as A lines
//	N1<TAB>Reference T1 Wiki:42<TAB>Lisbon
//	                                attributes "norm" = "Wiki:42", "norm.text" = "Lisbon",
//	                                and "norm.type" when the type is not Reference; a
//	                                second N line on the same annotation gives "norm#2"...
//	#1<TAB>AnnotatorNotes T1<TAB>x  attribute "note" = "x"; further notes "note#2", ...;
//	                                a # line of another TYPE gives attribute TYPE
//	*<TAB>Equiv T1 T2 T3            a cluster of kind "entity" (or "event"/"claim" when the
//	                                members are events or claims) with those members;
//	                                lines of one type that share an id are merged, since
//	                                equivalence is transitive; a type other than Equiv is
//	                                kept in the attribute AttrEquivType
//
// A, N and # lines are read in that order whatever their order in the file,
// so the keys they get do not depend on it. Attributes, notes and
// normalizations on an event's trigger T line, rather than its E line, are
// kept on the event with the prefix TriggerPrefix ("trigger.note") and
// written back on the trigger. A reference to a trigger T line from an
// argument, a relation or an equivalence stands for the event (the first,
// if several events share the trigger) and is written back as its E id.
//
// Writing reverses this. Attribute values without white space become A
// lines (binary when the value is "true", unless WriteOptions.Schema lists
// values for the attribute); values with white space become # lines whose
// type is the attribute's key, which read back as that key; notes and
// normalizations become # AnnotatorNotes and N lines. Ids are renumbered.
//
// # Claims
//
// brat has no claims. A claim is a PARC-style attribution event (see
// ClaimMapping): "Attribution" with the cue as trigger, a Content argument
// over the claim span and a Source argument for the claimant mention; the
// claim type, stance, check-worthiness, free-text claimant and normalised
// value are the event's attributes claim.type, claim.stance,
// claim.check_worthiness, claim.claimant, claim.value, claim.unit and
// claim.time. Attribution events of another shape stay events.
//
// # Clusters across documents
//
// A "*" line links annotations of one file. ClustersFromNorms links
// mentions of different documents that are normalised to the same entity
// id, the usual way brat corpora mark cross-document identity.
//
// # Round trips
//
// brat -> scholia -> brat gives the same T, E, R, A, N, # and * content up to
// renumbered ids, brat's numbering of repeated roles, M lines written as A
// lines, equivalence lines merged where they share ids, and the sharing of
// trigger T lines (events of one type with the same trigger span and
// trigger attributes share one T line when written).
package brat
