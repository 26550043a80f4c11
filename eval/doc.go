// Package eval computes the agreement and scoring metrics of scholia: span
// precision, recall and F1 (exact and overlap match, micro, macro, weighted and
// per label), a conlleval-compatible chunk scorer for BIO/IOB tag sequences,
// event trigger and argument scores, claim scores, chance-corrected agreement
// coefficients (Cohen's kappa, Scott's pi, Fleiss' kappa, Krippendorff's alpha
// at four levels of measurement, Krippendorff's unitizing alpha_U), and the
// coreference metrics of the CoNLL reference scorer v8.01 (MUC, B-cubed,
// CEAF-m, CEAF-e, BLANC and the CoNLL average) with a Kuhn-Munkres assignment
// for CEAF.
//
// Everything here is a plain function over values: no I/O, no goroutines that
// outlive a call, no state. The package imports only the standard library and
// the root package, so the server, the CLI and offline scripts share it.
//
// # Conventions
//
// Offsets are whatever the inputs use (scholia's code points, or tokens for
// the BIO scorer); spans are end-exclusive.
//
// Precision, recall and F1 ([PRF]) follow conlleval and seqeval: a ratio with
// a zero denominator is 0, and F1 is 0 when precision + recall is 0. The one
// exception is the case where there is nothing to find and nothing was found
// (gold and predicted are both empty): then precision, recall and F1 are all
// 1, because two empty layers agree perfectly. [Conlleval] and the
// coreference metrics keep their reference scorers' rule (0) in that case too,
// so that their outputs stay identical to those scorers.
//
// Agreement coefficients never return NaN or an infinity (results are sent as
// JSON). Where a coefficient's formula is 0/0 the result says so in its
// Degenerate field and takes the value documented on the function: in
// general 1 when the raters cannot be told apart (no items, or expected
// agreement 1 because everyone always used the same single category), which
// is what identical layers give.
package eval
