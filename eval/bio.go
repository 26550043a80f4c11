package eval

import (
	"fmt"
	"strings"
)

// Chunk is one labelled chunk of a tag sequence, in token offsets within its
// sentence, end exclusive.
type Chunk struct {
	Type  string `json:"type"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

// splitTag splits a tag as conlleval does (regexp ^([^-]*)-(.*)$): the
// prefix before the first hyphen and the type after it; a tag without a
// hyphen is all prefix, with type "".
func splitTag(t string) (prefix, typ string) {
	if i := strings.IndexByte(t, '-'); i >= 0 {
		return t[:i], t[i+1:]
	}
	return t, ""
}

// conllEnd is conlleval's endOfChunk: whether a chunk ended between the
// previous tag and this one.
func conllEnd(prevTag, tag, prevType, typ string) bool {
	switch {
	case prevTag == "B" && (tag == "B" || tag == "O"),
		prevTag == "I" && (tag == "B" || tag == "O"),
		prevTag == "E" && (tag == "E" || tag == "I" || tag == "O"):
		return true
	case prevTag != "O" && prevTag != "." && prevType != typ:
		return true
	case prevTag == "]" || prevTag == "[":
		return true
	}
	return false
}

// conllStart is conlleval's startOfChunk: whether a chunk started between
// the previous tag and this one.
func conllStart(prevTag, tag, prevType, typ string) bool {
	switch {
	case tag == "B" && (prevTag == "B" || prevTag == "I" || prevTag == "O"),
		prevTag == "O" && (tag == "I" || tag == "E"),
		prevTag == "E" && (tag == "E" || tag == "I"):
		return true
	case tag != "O" && tag != "." && prevType != typ:
		return true
	case tag == "[" || tag == "]":
		return true
	}
	return false
}

// ConllChunks decodes the chunks of one sentence with conlleval's rules
// (conlleval.pl version 2004-01-26, startOfChunk/endOfChunk): a chunk also
// starts at an I-X that follows O or a different type (so "I-ORG I-ORG" is
// one ORG chunk), and ends where the type changes. This lenient decoding is
// what seqeval's default mode reproduces for IOB data.
func ConllChunks(tags []string) []Chunk {
	var out []Chunk
	prevTag, prevType := "O", ""
	open := -1
	var openType string
	for i := 0; i <= len(tags); i++ {
		tag, typ := "O", ""
		if i < len(tags) {
			tag, typ = splitTag(tags[i])
		}
		if open >= 0 && conllEnd(prevTag, tag, prevType, typ) {
			out = append(out, Chunk{Type: openType, Start: open, End: i})
			open = -1
		}
		if i < len(tags) && conllStart(prevTag, tag, prevType, typ) {
			open, openType = i, typ
		}
		prevTag, prevType = tag, typ
	}
	return out
}

// TagScheme is a chunk tagging scheme for strict decoding.
type TagScheme int8

// The tagging schemes of seqeval's strict mode.
const (
	SchemeIOB2  TagScheme = iota // B- begins every chunk (the CoNLL-2003 style most data use)
	SchemeIOB1                   // B- only between two adjacent chunks of one type
	SchemeIOE1                   // E- only between two adjacent chunks of one type
	SchemeIOE2                   // E- ends every chunk
	SchemeIOBES                  // B-, I-, E- and S- (single-token chunk)
	SchemeBILOU                  // IOBES spelt with L- (last) and U- (unit)
)

// String returns the scheme's usual name.
func (s TagScheme) String() string {
	if s < SchemeIOB2 || s > SchemeBILOU {
		return "unknown"
	}
	return [...]string{"IOB2", "IOB1", "IOE1", "IOE2", "IOBES", "BILOU"}[s]
}

// prefix flags, as in seqeval's scheme.py.
const (
	pI = 1 << iota
	pO
	pB
	pE
	pS
	pAny = pI | pO | pB | pE | pS
)

// tag conditions
const (
	tSame = 1 << iota
	tDiff
	tAny = tSame | tDiff
)

type pattern struct{ prev, cur, tag int }

type schemeRules struct {
	allowed               int
	start, inside, ending []pattern
}

// schemeTable transcribes seqeval's scheme.py (chakki-works/seqeval) pattern
// sets for each scheme.
var schemeTable = map[TagScheme]schemeRules{
	SchemeIOB1: {pI | pO | pB,
		[]pattern{{pO, pI, tAny}, {pI, pI, tDiff}, {pB, pI, tAny}, {pI, pB, tSame}, {pB, pB, tSame}},
		[]pattern{{pB, pI, tSame}, {pI, pI, tSame}},
		[]pattern{{pI, pI, tDiff}, {pI, pO, tAny}, {pI, pB, tAny}, {pB, pO, tAny}, {pB, pI, tDiff}, {pB, pB, tSame}}},
	SchemeIOE1: {pI | pO | pE,
		[]pattern{{pO, pI, tAny}, {pI, pI, tDiff}, {pE, pI, tAny}, {pE, pE, tSame}},
		[]pattern{{pI, pI, tSame}, {pI, pE, tSame}},
		[]pattern{{pI, pI, tDiff}, {pI, pO, tAny}, {pI, pE, tDiff}, {pE, pI, tSame}, {pE, pE, tSame}}},
	SchemeIOB2: {pI | pO | pB,
		[]pattern{{pAny, pB, tAny}},
		[]pattern{{pB, pI, tSame}, {pI, pI, tSame}},
		[]pattern{{pI, pO, tAny}, {pI, pI, tDiff}, {pI, pB, tAny}, {pB, pO, tAny}, {pB, pI, tDiff}, {pB, pB, tAny}}},
	SchemeIOE2: {pI | pO | pE,
		[]pattern{{pO, pI, tAny}, {pO, pE, tAny}, {pE, pI, tAny}, {pE, pE, tAny}, {pI, pI, tDiff}, {pI, pE, tDiff}},
		[]pattern{{pI, pE, tSame}, {pI, pI, tSame}},
		[]pattern{{pE, pAny, tAny}}},
	SchemeIOBES: {pAny,
		[]pattern{{pAny, pB, tAny}, {pAny, pS, tAny}},
		[]pattern{{pB, pI, tSame}, {pB, pE, tSame}, {pI, pI, tSame}, {pI, pE, tSame}},
		[]pattern{{pS, pAny, tAny}, {pE, pAny, tAny}}},
}

func init() { schemeTable[SchemeBILOU] = schemeTable[SchemeIOBES] }

// strictToken is a tag split seqeval's way: the first character is the
// prefix, the rest minus the delimiter the type ("_" when empty).
type strictToken struct {
	prefix int
	typ    string
}

func parseStrict(tag string, scheme TagScheme) (strictToken, error) {
	if tag == "" {
		return strictToken{}, fmt.Errorf("empty tag")
	}
	c := tag[0]
	if scheme == SchemeBILOU {
		switch c {
		case 'L':
			c = 'E'
		case 'U':
			c = 'S'
		case 'E', 'S':
			c = '?'
		}
	}
	p := map[byte]int{'I': pI, 'O': pO, 'B': pB, 'E': pE, 'S': pS}[c]
	if p == 0 || p&schemeTable[scheme].allowed == 0 {
		return strictToken{}, fmt.Errorf("tag %q is not valid in scheme %s", tag, scheme)
	}
	typ := strings.Trim(tag[1:], "-")
	if typ == "" {
		typ = "_"
	}
	return strictToken{p, typ}, nil
}

func (t strictToken) matches(prev strictToken, ps []pattern) bool {
	for _, p := range ps {
		if prev.prefix&p.prev == 0 || t.prefix&p.cur == 0 {
			continue
		}
		same := prev.typ == t.typ
		if p.tag == tAny || same && p.tag == tSame || !same && p.tag == tDiff {
			return true
		}
	}
	return false
}

// StrictChunks decodes one sentence as seqeval's strict mode does (seqeval
// mode='strict' with the given scheme): a chunk must start and end with the
// tags the scheme prescribes, so an I-X with no B-X before it in IOB2 is no
// chunk at all. It fails on a tag the scheme does not allow.
func StrictChunks(tags []string, scheme TagScheme) ([]Chunk, error) {
	rules, ok := schemeTable[scheme]
	if !ok {
		return nil, fmt.Errorf("unknown tag scheme %d", scheme)
	}
	toks := make([]strictToken, len(tags)+1)
	for i, t := range tags {
		tok, err := parseStrict(t, scheme)
		if err != nil {
			return nil, fmt.Errorf("token %d: %w", i, err)
		}
		toks[i] = tok
	}
	toks[len(tags)] = strictToken{pO, "_"}
	var out []Chunk
	prev := strictToken{pO, "_"}
	for i := 0; i < len(toks); {
		tok := toks[i]
		if !tok.matches(prev, rules.start) {
			i++
			prev = toks[i-1]
			continue
		}
		end := len(toks) - 2 // seqeval's _forward fallback
		p := tok
		for k := i + 1; k < len(toks); k++ {
			if toks[k].matches(p, rules.inside) {
				p = toks[k]
				continue
			}
			end = k
			break
		}
		if end > i && toks[end].matches(toks[end-1], rules.ending) {
			out = append(out, Chunk{Type: tok.typ, Start: i, End: end})
		}
		if end <= i { // cannot happen with the trailing O; guards the loop
			end = i + 1
		}
		i = end
		prev = toks[i-1]
	}
	return out, nil
}

// ChunkMode selects the chunk decoding of [ScoreChunks].
type ChunkMode int8

// The chunk decodings.
const (
	// ChunkLenient decodes with conlleval's rules ([ConllChunks]); seqeval's
	// default mode.
	ChunkLenient ChunkMode = iota
	// ChunkStrict decodes with [StrictChunks] under ChunkOptions.Scheme;
	// seqeval's mode='strict'.
	ChunkStrict
)

// ChunkOptions configure [ScoreChunks].
type ChunkOptions struct {
	Mode   ChunkMode
	Scheme TagScheme // for ChunkStrict
}

// ScoreChunks scores predicted tag sequences against gold ones, sentence by
// sentence, as seqeval's classification report does: a predicted chunk is
// correct when a gold chunk of the same sentence has its type, start and end.
// Per type, micro, macro and weighted (by support) averages follow
// [PRFReport]. gold and pred must have the same shape.
func ScoreChunks(gold, pred [][]string, opts ChunkOptions) (PRFReport, error) {
	if len(gold) != len(pred) {
		return PRFReport{}, fmt.Errorf("gold has %d sentences, pred %d", len(gold), len(pred))
	}
	decode := func(tags []string) ([]Chunk, error) {
		if opts.Mode == ChunkStrict {
			return StrictChunks(tags, opts.Scheme)
		}
		return ConllChunks(tags), nil
	}
	type counts struct{ gold, pred, matched int64 }
	per := map[string]*counts{}
	get := func(t string) *counts {
		c := per[t]
		if c == nil {
			c = &counts{}
			per[t] = c
		}
		return c
	}
	for s := range gold {
		if len(gold[s]) != len(pred[s]) {
			return PRFReport{}, fmt.Errorf("sentence %d: gold has %d tags, pred %d", s, len(gold[s]), len(pred[s]))
		}
		gc, err := decode(gold[s])
		if err != nil {
			return PRFReport{}, fmt.Errorf("gold sentence %d: %w", s, err)
		}
		pc, err := decode(pred[s])
		if err != nil {
			return PRFReport{}, fmt.Errorf("pred sentence %d: %w", s, err)
		}
		inGold := make(map[Chunk]bool, len(gc))
		for _, ch := range gc {
			if !inGold[ch] {
				inGold[ch] = true
				get(ch.Type).gold++
			}
		}
		seen := make(map[Chunk]bool, len(pc))
		for _, ch := range pc {
			if seen[ch] {
				continue
			}
			seen[ch] = true
			c := get(ch.Type)
			c.pred++
			if inGold[ch] {
				c.matched++
			}
		}
	}
	var labels []LabelPRF
	for t, c := range per {
		labels = append(labels, LabelPRF{Label: t, PRF: NewPRF(c.gold, c.pred, c.matched, c.matched)})
	}
	return NewPRFReport(labels), nil
}

// ConllevalResult is what conlleval prints: token and phrase counts, token
// accuracy (which the CoNLL-2000 page says should be ignored), and
// precision, recall and F1 overall and per chunk type, as fractions (conlleval
// prints percentages). As in conlleval, a zero denominator gives 0, even when
// there are no chunks at all.
type ConllevalResult struct {
	Tokens        int        `json:"tokens"`
	GoldChunks    int        `json:"gold_chunks"`    // "phrases"
	FoundChunks   int        `json:"found_chunks"`   // "found"
	CorrectChunks int        `json:"correct_chunks"` // "correct"
	CorrectTags   int        `json:"correct_tags"`
	Accuracy      float64    `json:"accuracy"`
	Overall       PRF        `json:"overall"`
	Types         []LabelPRF `json:"types"`
}

// Conlleval scores predicted tag sequences against gold ones exactly as
// conlleval.pl (version 2004-01-26) does, sentence boundaries included: it
// runs the script's state machine, which counts a chunk correct when gold
// and prediction start a chunk of the same type at the same token and end it
// at the same token.
func Conlleval(gold, pred [][]string) (ConllevalResult, error) {
	if len(gold) != len(pred) {
		return ConllevalResult{}, fmt.Errorf("gold has %d sentences, pred %d", len(gold), len(pred))
	}
	var res ConllevalResult
	correctChunk, foundCorrect, foundGuessed := map[string]int{}, map[string]int{}, map[string]int{}
	inCorrect := false
	lastC, lastG, lastCT, lastGT := "O", "O", "", ""
	step := func(c, ct, g, gt string, boundary bool) {
		if inCorrect {
			endC := conllEnd(lastC, c, lastCT, ct)
			endG := conllEnd(lastG, g, lastGT, gt)
			if endC && endG && lastGT == lastCT {
				inCorrect = false
				res.CorrectChunks++
				correctChunk[lastCT]++
			} else if endC != endG || gt != ct {
				inCorrect = false
			}
		}
		startC := conllStart(lastC, c, lastCT, ct)
		startG := conllStart(lastG, g, lastGT, gt)
		if startC && startG && gt == ct {
			inCorrect = true
		}
		if startC {
			res.GoldChunks++
			foundCorrect[ct]++
		}
		if startG {
			res.FoundChunks++
			foundGuessed[gt]++
		}
		if !boundary {
			if c == g && gt == ct {
				res.CorrectTags++
			}
			res.Tokens++
		}
		lastC, lastG, lastCT, lastGT = c, g, ct, gt
	}
	for s := range gold {
		if len(gold[s]) != len(pred[s]) {
			return ConllevalResult{}, fmt.Errorf("sentence %d: gold has %d tags, pred %d", s, len(gold[s]), len(pred[s]))
		}
		for i := range gold[s] {
			c, ct := splitTag(gold[s][i])
			g, gt := splitTag(pred[s][i])
			step(c, ct, g, gt, false)
		}
		step("O", "", "O", "", true) // the empty line after a sentence
	}
	if inCorrect {
		res.CorrectChunks++
		correctChunk[lastCT]++
	}
	res.Accuracy = ratio(float64(res.CorrectTags), float64(res.Tokens))
	res.Overall = conllPRF(res.GoldChunks, res.FoundChunks, res.CorrectChunks)
	types := map[string]bool{}
	for t := range foundCorrect {
		types[t] = true
	}
	for t := range foundGuessed {
		types[t] = true
	}
	for t := range types {
		res.Types = append(res.Types, LabelPRF{Label: t, PRF: conllPRF(foundCorrect[t], foundGuessed[t], correctChunk[t])})
	}
	res.Types = NewPRFReport(res.Types).Labels // sorted, as conlleval prints them
	return res, nil
}

// conllPRF is a PRF with conlleval's zero rule (0 even when nothing was
// expected or found).
func conllPRF(gold, found, correct int) PRF {
	p := ratio(float64(correct), float64(found))
	r := ratio(float64(correct), float64(gold))
	return PRF{Gold: int64(gold), Pred: int64(found), MatchedGold: int64(correct), MatchedPred: int64(correct), Precision: p, Recall: r, F1: f1(p, r)}
}
