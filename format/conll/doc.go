// Package conll writes scholia annotations in the CoNLL BIO format that
// sequence-labelling tools read: one token per line, one tag column per
// layer (annotators, gold), a blank line between sentences and a
// -DOCSTART- line per document.
//
// It imports only the standard library and the root scholia package.
//
// The tokeniser (Tokenize) and sentence splitter (Sentences) are simple,
// documented rules rather than a model, so that the same text always gives
// the same tokens and every token keeps its code-point offsets in the
// document: a tag can be traced back to the characters it came from. BIO
// cannot express nested, overlapping or discontinuous spans; Write says in
// its Report what it did with each such annotation instead of dropping it
// silently.
package conll
