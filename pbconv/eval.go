package pbconv

import (
	"encoding/json"

	"github.com/scholia-nlp/scholia/eval"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

// This file maps the reports of package eval to the EvaluationService's
// messages. The server uses it, and so does `scholia eval` offline, so that
// a score computed from JSONL files prints exactly like one from a server.

// SpanMatchFromPB converts the API's span rule (unspecified is exact).
func SpanMatchFromPB(m pb.SpanMatch) eval.SpanMatch {
	if m == pb.SpanMatch_SPAN_MATCH_OVERLAP {
		return eval.MatchOverlap
	}
	return eval.MatchExact
}

// spanMatchName converts a report's match name ("exact", "overlap").
func spanMatchName(s string) pb.SpanMatch {
	if s == eval.MatchOverlap.String() {
		return pb.SpanMatch_SPAN_MATCH_OVERLAP
	}
	return pb.SpanMatch_SPAN_MATCH_EXACT
}

// reportJSON marshals a report; the eval package guarantees finite numbers,
// so this cannot fail on its values.
func reportJSON(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// PRFToPB converts precision, recall and F1 with their counts.
func PRFToPB(label string, p eval.PRF) *pb.PrecisionRecall {
	return &pb.PrecisionRecall{
		Label: label, Gold: p.Gold, Predicted: p.Pred, MatchedGold: p.MatchedGold, MatchedPredicted: p.MatchedPred,
		Precision: p.Precision, Recall: p.Recall, F1: p.F1,
	}
}

func labelsToPB(ls []eval.LabelPRF) []*pb.PrecisionRecall {
	out := make([]*pb.PrecisionRecall, len(ls))
	for i, l := range ls {
		out[i] = PRFToPB(l.Label, l.PRF)
	}
	return out
}

func averagesToPB(a eval.Averages) *pb.Averages {
	return &pb.Averages{Precision: a.Precision, Recall: a.Recall, F1: a.F1}
}

// LabelScoresToPB converts a per-label report.
func LabelScoresToPB(r eval.PRFReport) *pb.LabelScores {
	return &pb.LabelScores{Micro: PRFToPB("", r.Micro), Macro: averagesToPB(r.Macro), Weighted: averagesToPB(r.Weighted), Labels: labelsToPB(r.Labels)}
}

// EventScoresToPB converts an event report.
func EventScoresToPB(r *eval.EventReport) *pb.EventScores {
	if r == nil {
		return nil
	}
	return &pb.EventScores{
		TriggerIdentification:          PRFToPB("", r.TriggerIdentification),
		TriggerClassification:          PRFToPB("", r.TriggerClassification),
		ArgumentIdentification:         PRFToPB("", r.ArgumentIdentification),
		ArgumentClassification:         PRFToPB("", r.ArgumentClassification),
		AttachedArgumentIdentification: PRFToPB("", r.AttachedArgumentIdentification),
		AttachedArgumentClassification: PRFToPB("", r.AttachedArgumentClassification),
		EventTypes:                     labelsToPB(r.EventTypes),
		Roles:                          labelsToPB(r.Roles),
		UnresolvedArguments:            int64(r.UnresolvedArguments),
	}
}

func accuracyToPB(a eval.Accuracy) *pb.Accuracy {
	return &pb.Accuracy{Correct: a.Correct, Total: a.Total, Value: a.Value}
}

func fieldToPB(f eval.FieldAgreement) *pb.FieldAgreement {
	return &pb.FieldAgreement{Accuracy: accuracyToPB(f.Accuracy), Kappa: f.Kappa.Kappa}
}

// ClaimScoresToPB converts a claim report.
func ClaimScoresToPB(r *eval.ClaimReport) *pb.ClaimScores {
	if r == nil {
		return nil
	}
	return &pb.ClaimScores{
		Spans: PRFToPB("", r.Spans), Types: LabelScoresToPB(r.Types), Cues: PRFToPB("", r.Cues), Aligned: int64(r.Aligned),
		Claimant: accuracyToPB(r.Claimant), Cue: accuracyToPB(r.Cue),
		Stance: fieldToPB(r.Stance), ClaimType: fieldToPB(r.Type), CheckWorthiness: fieldToPB(r.CheckWorthiness),
	}
}

func corefMetricToPB(s eval.CorefScore) *pb.CoreferenceMetric {
	return &pb.CoreferenceMetric{Recall: s.Recall, Precision: s.Precision, F1: s.F1}
}

// CoreferenceToPB converts the coreference score of one cluster kind.
func CoreferenceToPB(r eval.CorefKindReport) *pb.CoreferenceScores {
	return &pb.CoreferenceScores{
		Kind: ClusterKind(r.Kind), Muc: corefMetricToPB(r.MUC), BCubed: corefMetricToPB(r.BCubed),
		CeafM: corefMetricToPB(r.CEAFm), CeafE: corefMetricToPB(r.CEAFe), Blanc: corefMetricToPB(r.BLANC.CorefScore),
		ConllF1: r.CoNLL, Mentions: PRFToPB("", r.Mentions),
		ReferenceClusters: int64(r.ReferenceClusters), CandidateClusters: int64(r.CandidateClusters),
		UnresolvedMembers: int64(r.ReferenceUnresolved + r.CandidateUnresolved),
	}
}

// ScoreReportToPB converts a score report read at revision rev, with the
// report itself as JSON in report_json.
func ScoreReportToPB(r eval.CorpusScoreReport, rev int64) (*pb.ScoreAnnotatorResponse, error) {
	js, err := reportJSON(r)
	if err != nil {
		return nil, err
	}
	out := &pb.ScoreAnnotatorResponse{
		Revision: rev, Reference: r.Reference, Candidate: r.Candidate, Match: spanMatchName(r.Match),
		Documents: int32(r.Documents), Spans: LabelScoresToPB(r.Spans.PRFReport),
		Events: EventScoresToPB(r.Events), Claims: ClaimScoresToPB(r.Claims), ReportJson: js,
	}
	if r.Mentions != nil {
		out.Mentions = LabelScoresToPB(r.Mentions.PRFReport)
	}
	for _, c := range r.Coreference {
		out.Coreference = append(out.Coreference, CoreferenceToPB(c))
	}
	return out, nil
}

// MatrixToPB converts a square matrix.
func MatrixToPB(m [][]float64) *pb.Matrix {
	out := &pb.Matrix{Rows: make([]*pb.MatrixRow, len(m))}
	for i, row := range m {
		out.Rows[i] = &pb.MatrixRow{Values: row}
	}
	return out
}

// AgreementScoresToPB converts a span agreement report.
func AgreementScoresToPB(r *eval.AgreementReport) *pb.AgreementScores {
	if r == nil {
		return nil
	}
	out := &pb.AgreementScores{
		Items: int64(r.Items), StackedItems: int64(r.StackedItems),
		KrippendorffAlpha: r.Krippendorff.Alpha, FleissKappa: r.Fleiss.Kappa, AlphaU: r.AlphaU.Alpha,
		PairwiseCohenKappa: MatrixToPB(r.Pairwise.CohenKappa), PairwiseKrippendorffAlpha: MatrixToPB(r.Pairwise.KrippendorffAlpha),
		PairwiseAlphaU: MatrixToPB(r.Pairwise.AlphaU), PairwiseF1: MatrixToPB(r.Pairwise.F1),
	}
	for _, l := range r.Labels {
		out.Labels = append(out.Labels, &pb.LabelAgreement{Label: l.Label, Marks: int64(l.Marks),
			KrippendorffAlpha: l.KrippendorffAlpha, FleissKappa: l.FleissKappa, AlphaU: l.AlphaU, F1: l.F1})
	}
	return out
}

// AgreementReportToPB converts an agreement report read at revision rev,
// with the report itself as JSON in report_json.
func AgreementReportToPB(r eval.CorpusAgreementReport, rev int64) (*pb.ComputeAgreementResponse, error) {
	js, err := reportJSON(r)
	if err != nil {
		return nil, err
	}
	return &pb.ComputeAgreementResponse{
		Revision: rev, Annotators: r.Annotators, Match: spanMatchName(r.Match), Documents: int32(r.Documents),
		Spans: AgreementScoresToPB(&r.All), MatchF1: MatrixToPB(r.MatchF1),
		Mentions: AgreementScoresToPB(r.Mentions), Triggers: AgreementScoresToPB(r.Triggers), Claims: AgreementScoresToPB(r.Claims),
		ReportJson: js,
	}, nil
}
