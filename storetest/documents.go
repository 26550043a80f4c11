package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/scholia-nlp/scholia"
)

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

var documentTests = []test{
	{"CreateAndGet", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		published := time.Date(2024, 3, 1, 12, 30, 0, 123456789, time.UTC)
		d, err := s.CreateDocument(ctx, curator, scholia.Document{Project: "news", ID: "afp:2024-03-01.7", Title: "Talks",
			Source: "AFP", URL: "https://example.com/a", PublishTime: published, Language: "en", Text: text2})
		must(t, err)
		if d.Length != text2Length || d.SHA256 != text2SHA256 || d.SHA256 != sha(text2) {
			t.Fatalf("Length %d, SHA256 %s; want %d, %s", d.Length, d.SHA256, text2Length, text2SHA256)
		}
		if d.Rev != f.rev() || d.CreateTime.IsZero() || !d.UpdateTime.Equal(d.CreateTime) {
			t.Fatalf("CreateDocument = %+v (store revision %d)", d, f.rev())
		}
		got, err := s.GetDocument(ctx, "news", "afp:2024-03-01.7", true)
		must(t, err)
		if got.Text != text2 {
			t.Fatalf("text round trip: got %q, want %q", got.Text, text2)
		}
		if got.Title != "Talks" || got.Source != "AFP" || got.URL != "https://example.com/a" || got.Language != "en" ||
			!got.PublishTime.Equal(published) || got.Length != text2Length || got.SHA256 != text2SHA256 || got.Rev != d.Rev ||
			!got.CreateTime.Equal(d.CreateTime) || got.Project != "news" || got.ID != "afp:2024-03-01.7" {
			t.Fatalf("GetDocument = %+v, created %+v", got, d)
		}
		noText, err := s.GetDocument(ctx, "news", "d1", false)
		must(t, err)
		if noText.Text != "" || noText.Length != int64(len([]rune(text1))) || noText.SHA256 != sha(text1) {
			t.Fatalf("GetDocument without text = %+v", noText)
		}
		withText, err := s.GetDocument(ctx, "news", "d1", true)
		must(t, err)
		if withText.Text != text1 {
			t.Fatalf("CRLF text round trip: %q", withText.Text)
		}
		if !noText.PublishTime.IsZero() {
			t.Fatalf("unknown publish time read back as %v", noText.PublishTime)
		}
		_, err = s.GetDocument(ctx, "news", "nothing", false)
		wantCode(t, err, scholia.CodeNotFound)
		_, err = s.GetDocument(ctx, "nothing", "d1", false)
		wantCode(t, err, scholia.CodeNotFound)
	}},
	{"InvalidDocuments", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		rev := f.rev()
		_, err := s.CreateDocument(ctx, curator, scholia.Document{Project: "news", ID: "d1", Text: "again"})
		wantCode(t, err, scholia.CodeAlreadyExists)
		_, err = s.CreateDocument(ctx, curator, scholia.Document{Project: "nothing", ID: "x", Text: "text"})
		wantCode(t, err, scholia.CodeNotFound)
		e := wantFields(t, func() error {
			_, err := s.CreateDocument(ctx, curator, scholia.Document{Project: "news", ID: "bad", Text: "ab\xffcd"})
			return err
		}(), "document.text")
		wantContains(t, "invalid UTF-8 description", e.Violations[0].Description, "byte 2")
		_, err = s.CreateDocument(ctx, curator, scholia.Document{Project: "news", ID: "empty"})
		wantFields(t, err, "document.text")
		_, err = s.CreateDocument(ctx, curator, scholia.Document{Project: "news", ID: "bad id", Text: "x"})
		wantFields(t, err, "document.id")
		if f.rev() != rev {
			t.Fatal("refused creates took revisions")
		}
		for _, id := range []string{"bad", "empty"} {
			_, err := s.GetDocument(ctx, "news", id, false)
			wantCode(t, err, scholia.CodeNotFound)
		}
	}},
	{"UnicodeOffsets", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		// Offsets counted by hand in code points: 👍🏽 is two, "é" in
		// "Café" is "e" plus a combining accent, the flag is two, and CRLF
		// is two.
		cases := []struct {
			quote      string
			start, end int64
			label      string
		}{
			{"Cafe\u0301", 3, 8, "FAC"},
			{"Jose\u0301", 13, 18, "PER"},
			{"Ram\u00edrez", 19, 26, "PER"},
			{"Zo\u00eb", 31, 34, "PER"},
			{"\U0001F1EB\U0001F1F7", 35, 37, "GPE"},
			{"Paris", 41, 46, "GPE"},
		}
		var anns []scholia.Annotation
		for _, c := range cases {
			sp := span(t, text2, c.quote, 0)
			if sp.Start != c.start || sp.End != c.end {
				t.Fatalf("the suite's own offsets of %q: [%d,%d), want [%d,%d)", c.quote, sp.Start, sp.End, c.start, c.end)
			}
			// Sent without text: the store fills it in.
			anns = append(anns, scholia.Annotation{Project: "news", Document: "d2", Annotator: "alice", Kind: scholia.KindMention,
				Label: c.label, Spans: []scholia.Span{{Start: c.start, End: c.end}}})
		}
		// A discontinuous mention across the CRLF.
		anns = append(anns, scholia.Annotation{Project: "news", Document: "d2", Annotator: "alice", Kind: scholia.KindMention,
			Label: "PER", Spans: []scholia.Span{{Start: 9, End: 11}, {Start: 11, End: 18, Text: "\r\nJose\u0301"}}})
		out := f.create(alice, anns...)
		for i, c := range cases {
			if got := out[i].Spans[0].Text; got != c.quote {
				t.Fatalf("span [%d,%d) covers %q, want %q", c.start, c.end, got, c.quote)
			}
			got, err := s.GetAnnotation(ctx, out[i].ID)
			must(t, err)
			if got.Spans[0].Text != c.quote || got.Spans[0].Start != c.start || got.Spans[0].End != c.end {
				t.Fatalf("read back %+v, want %q at [%d,%d)", got.Spans, c.quote, c.start, c.end)
			}
		}
		equal(t, "fragments across CRLF", out[len(cases)].Spans,
			[]scholia.Span{{Start: 9, End: 11, Text: "ok"}, {Start: 11, End: 18, Text: "\r\nJose\u0301"}})
		// A span whose text does not match, and one past the end.
		_, err := s.CreateAnnotations(ctx, alice, []scholia.Annotation{
			{Project: "news", Document: "d2", Annotator: "alice", Kind: scholia.KindMention, Label: "PER",
				Spans: []scholia.Span{{Start: 13, End: 17, Text: "Jose\u0301"}}},
			{Project: "news", Document: "d2", Annotator: "alice", Kind: scholia.KindMention, Label: "GPE",
				Spans: []scholia.Span{{Start: 41, End: 48}}},
		})
		wantFields(t, err, "annotations[0].mention.spans[0].text", "annotations[1].mention.spans[0].end")
	}},
	{"ListPagination", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		for _, id := range []string{"d5", "d3", "d4"} {
			f.doc(id, "text of "+id)
		}
		var got []string
		after := ""
		for {
			page, err := s.ListDocuments(ctx, "news", after, 2, 0)
			must(t, err)
			for _, d := range page {
				if d.Text != "" {
					t.Fatalf("ListDocuments returned the text of %s", d.ID)
				}
				if d.ID == "d3" && (d.Length != 10 || d.SHA256 != sha("text of d3") || d.Title != "title of d3") {
					t.Fatalf("listed %+v", d)
				}
				got = append(got, d.ID)
			}
			if len(page) < 2 {
				break
			}
			after = page[len(page)-1].ID
		}
		equal(t, "listed documents", got, []string{"d1", "d2", "d3", "d4", "d5"})
		_, err := s.ListDocuments(ctx, "nothing", "", 10, 0)
		wantCode(t, err, scholia.CodeNotFound)
	}},
	{"UpdateAndAsOf", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		d1, err := s.GetDocument(ctx, "news", "d1", false)
		must(t, err)
		before := f.rev()
		u, err := s.UpdateDocument(ctx, curator, "news", "d1", d1.Rev, func(d *scholia.Document) error {
			d.Title = "new title"
			d.Source = "Reuters"
			// What the store computes cannot be changed.
			d.Length, d.SHA256, d.Rev, d.CreateTime = 1, "x", 99, d.CreateTime.AddDate(-1, 0, 0)
			return nil
		})
		must(t, err)
		if u.Title != "new title" || u.Source != "Reuters" || u.Rev != before+1 || u.Length != d1.Length || u.SHA256 != d1.SHA256 ||
			!u.CreateTime.Equal(d1.CreateTime) || u.Text != "" {
			t.Fatalf("UpdateDocument = %+v", u)
		}
		_, err = s.UpdateDocument(ctx, curator, "news", "d1", d1.Rev, func(d *scholia.Document) error {
			d.Title = "lost"
			return nil
		})
		e := wantReason(t, err, scholia.CodeAborted, "STALE_ETAG")
		wantContains(t, "message", e.Message, fmt.Sprint(u.Rev))
		_, err = s.UpdateDocument(ctx, curator, "news", "d1", 0, func(d *scholia.Document) error {
			d.Text = "a different text"
			return nil
		})
		wantFields(t, err, "document.text")
		_, err = s.UpdateDocument(ctx, curator, "news", "d1", 0, func(d *scholia.Document) error {
			d.ID = "d9"
			return nil
		})
		wantFields(t, err, "document.id")
		got, err := s.GetDocument(ctx, "news", "d1", true)
		must(t, err)
		if got.Title != "new title" || got.Text != text1 || got.Rev != u.Rev {
			t.Fatalf("GetDocument after update = %+v", got)
		}
		old, err := s.ListDocuments(ctx, "news", "", 10, before)
		must(t, err)
		if len(old) != 2 || old[0].ID != "d1" || old[0].Title != "title of d1" || old[0].Rev != d1.Rev {
			t.Fatalf("as of %d: %+v", before, old)
		}
		cur, err := s.ListDocuments(ctx, "news", "", 10, 0)
		must(t, err)
		if len(cur) != 2 || cur[0].Title != "new title" || cur[0].Rev != u.Rev {
			t.Fatalf("now: %+v", cur)
		}
		_, err = s.ListDocuments(ctx, "news", "", 10, f.rev()+100)
		wantCode(t, err, scholia.CodeInvalid)
	}},
	{"DeleteRefusedWhileAnnotated", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		m := f.create(alice, mention(t, "d1", text1, "alice", "PER", "Obama", 0))[0]
		err := s.DeleteDocument(ctx, curator, "news", "d1", 0)
		e := wantReason(t, err, scholia.CodeFailedPrecondition, "DOCUMENT_HAS_ANNOTATIONS")
		wantContains(t, "message", e.Message, "d1")
		_, err = s.DeleteAnnotation(ctx, alice, m.ID, m.Rev)
		must(t, err)
		d1, err := s.GetDocument(ctx, "news", "d1", false)
		must(t, err)
		err = s.DeleteDocument(ctx, curator, "news", "d1", d1.Rev+1)
		wantReason(t, err, scholia.CodeAborted, "STALE_ETAG")
		before := f.rev()
		must(t, s.DeleteDocument(ctx, curator, "news", "d1", d1.Rev))
		_, err = s.GetDocument(ctx, "news", "d1", false)
		wantCode(t, err, scholia.CodeNotFound)
		err = s.DeleteDocument(ctx, curator, "news", "d1", 0)
		wantCode(t, err, scholia.CodeNotFound)
		now, err := s.ListDocuments(ctx, "news", "", 10, 0)
		must(t, err)
		if len(now) != 1 || now[0].ID != "d2" {
			t.Fatalf("after delete: %+v", now)
		}
		then, err := s.ListDocuments(ctx, "news", "", 10, before)
		must(t, err)
		if len(then) != 2 || then[0].ID != "d1" {
			t.Fatalf("as of before the delete: %+v", then)
		}
		_, err = s.CreateAnnotations(ctx, alice, []scholia.Annotation{mention(t, "d1", text1, "alice", "PER", "Obama", 0)})
		wantCode(t, err, scholia.CodeNotFound)
		// The id can be used again, with another text.
		d := f.doc("d1", "A new article.")
		if d.Length != 14 {
			t.Fatalf("new d1: %+v", d)
		}
		got, err := s.GetDocument(ctx, "news", "d1", true)
		must(t, err)
		if got.Text != "A new article." {
			t.Fatalf("new d1 text %q", got.Text)
		}
	}},
	{"IdempotentCreate", func(t *testing.T, s scholia.Store) {
		f := setup(t, s)
		w := scholia.WriteMeta{User: "carol", RequestID: "doc-req", Fingerprint: "fp"}
		d := scholia.Document{Project: "news", ID: "d3", Title: "t", Text: "Some text."}
		first, err := s.CreateDocument(ctx, w, d)
		must(t, err)
		rev := f.rev()
		again, err := s.CreateDocument(ctx, w, d)
		must(t, err)
		if f.rev() != rev {
			t.Fatal("a retried create took a revision")
		}
		if again.ID != first.ID || again.Rev != first.Rev || again.SHA256 != first.SHA256 || again.Length != first.Length ||
			!again.CreateTime.Equal(first.CreateTime) || again.Title != "t" {
			t.Fatalf("retry returned %+v, first %+v", again, first)
		}
		w.Fingerprint = "other"
		_, err = s.CreateDocument(ctx, w, scholia.Document{Project: "news", ID: "d4", Text: "x"})
		wantReason(t, err, scholia.CodeInvalid, "REQUEST_ID_REUSED")
		// A request id used for a project cannot be replayed as a document.
		pw := scholia.WriteMeta{User: "carol", RequestID: "proj-req", Fingerprint: "fp"}
		_, err = s.CreateProject(ctx, pw, scholia.Project{ID: "p2"})
		must(t, err)
		_, err = s.CreateDocument(ctx, pw, scholia.Document{Project: "news", ID: "d5", Text: "x"})
		wantReason(t, err, scholia.CodeInvalid, "REQUEST_ID_REUSED")
	}},
}
