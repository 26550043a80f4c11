package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/scholia-nlp/scholia/client"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
	"github.com/scholia-nlp/scholia/sqlite"
)

// writeDocs is how many documents the write scenario's annotators share;
// each works on docsPerAnnotator of them.
const (
	writeDocs        = 64
	docsPerAnnotator = 4
)

// writesNote describes the write rate's row; plot reads the project's size
// from it.
const writesNote = "%d annotators, %s, %s, on a project holding %d annotations at the start; limit: one writer doing the same insert transactions with plain SQLite statements (WAL, synchronous=FULL) on %s"

// acked is what a client knows it wrote: the server acknowledged it.
type acked struct {
	id    int64
	etag  string
	label string
	attr  string // the mention_type attribute last written, "" if none
	kind  string
}

// annotator is one of the write scenario's clients, with its own token and
// layer.
type annotator struct {
	name   string
	c      *client.Client
	r      *rand.Rand
	docs   []genDoc
	cursor []int           // per document: the next template annotation to create
	ids    []map[int]int64 // per document: template index -> created id
	mine   []*acked        // every acknowledged create
	lat    map[string][]time.Duration
	errs   map[string]int
	sample map[string]string // the first error of each method
	writes int
	lists  int // percent of calls that list
}

func (a *annotator) record(method string, start time.Time, err error) {
	if err != nil {
		if a.errs[method] == 0 {
			a.sample[method] = err.Error()
		}
		a.errs[method]++
		return
	}
	a.lat[method] = append(a.lat[method], time.Since(start))
}

// step does one operation of the mix: by default 70% creates, 20% updates
// with the etag last read, 10% lists; with another share of lists, creates
// and updates share the rest 7 to 2.
func (a *annotator) step(ctx context.Context) {
	p := a.r.IntN(100 * 9)
	writes := (100 - a.lists) * 9
	switch {
	case p < writes*7/9 || len(a.mine) == 0:
		a.create(ctx)
	case p < writes:
		a.update(ctx)
	default:
		d := a.docs[a.r.IntN(len(a.docs))]
		start := time.Now()
		_, err := a.c.Annotations.ListAnnotations(ctx, &pb.ListAnnotationsRequest{ProjectId: benchProject, DocumentId: d.id, Annotator: a.name, PageSize: 100})
		a.record("ListAnnotations", start, err)
	}
}

// create writes the next annotation of a document's template: mentions,
// then the event over them (2 to 4 arguments), then the claim.
func (a *annotator) create(ctx context.Context) {
	di := a.r.IntN(len(a.docs))
	d := a.docs[di]
	if a.cursor[di] >= len(d.anns) {
		a.cursor[di] = 0
		a.ids[di] = map[int]int64{}
	}
	ti := a.cursor[di]
	tmpl := d.anns[ti]
	ann := &pb.Annotation{ProjectId: benchProject, DocumentId: d.id, Attributes: tmpl.GetAttributes()}
	kind := "mention"
	switch b := tmpl.GetBody().(type) {
	case *pb.Annotation_Mention:
		ann.Body = b
	case *pb.Annotation_Event:
		kind = "event"
		ev := &pb.Event{Type: b.Event.GetType(), Trigger: b.Event.GetTrigger()}
		for _, arg := range b.Event.GetArguments() {
			ev.Arguments = append(ev.Arguments, &pb.Argument{Role: arg.GetRole(), AnnotationId: a.ids[di][int(-arg.GetAnnotationId())-1]})
		}
		ann.Body = &pb.Annotation_Event{Event: ev}
	case *pb.Annotation_Claim:
		kind = "claim"
		cl := proto.Clone(b.Claim).(*pb.Claim)
		cl.ClaimantId = a.ids[di][int(-b.Claim.GetClaimantId())-1]
		ann.Body = &pb.Annotation_Claim{Claim: cl}
	}
	method := "CreateAnnotation/" + kind
	start := time.Now()
	resp, err := a.c.Annotations.CreateAnnotation(ctx, &pb.CreateAnnotationRequest{Annotation: ann})
	a.record(method, start, err)
	if err != nil {
		return
	}
	a.writes++
	a.cursor[di]++
	a.ids[di][ti] = resp.GetAnnotation().GetId()
	lbl := ""
	if m := resp.GetAnnotation().GetMention(); m != nil {
		lbl = m.GetLabel()
	}
	a.mine = append(a.mine, &acked{id: resp.GetAnnotation().GetId(), etag: resp.GetAnnotation().GetEtag(), label: lbl, kind: kind})
}

// update changes an attribute of one of the client's mentions, sending the
// etag of the version it last wrote.
func (a *annotator) update(ctx context.Context) {
	var m *acked
	for range 8 {
		if c := a.mine[a.r.IntN(len(a.mine))]; c.kind == "mention" {
			m = c
			break
		}
	}
	if m == nil {
		a.create(ctx)
		return
	}
	val := []string{"NAM", "NOM", "PRO"}[a.r.IntN(3)]
	start := time.Now()
	resp, err := a.c.Annotations.UpdateAnnotation(ctx, &pb.UpdateAnnotationRequest{
		Annotation: &pb.Annotation{Id: m.id, Attributes: map[string]string{"mention_type": val}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"attributes"}}, Etag: m.etag})
	a.record("UpdateAnnotation", start, err)
	if err != nil {
		return
	}
	a.writes++
	m.etag, m.attr = resp.GetAnnotation().GetEtag(), val
}

func percentile(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p * float64(len(sorted)-1))
	return float64(sorted[i].Microseconds()) / 1000
}

// benchWrite runs the write mix with many annotators for a fixed time,
// checks that every acknowledged write is there, and measures the raw
// single-writer rate of the same transactions.
func benchWrite(cfg config, dir string) ([]row, error) {
	ctx := context.Background()
	db := filepath.Join(dir, "write.db")
	srv, err := startServer(db)
	if err != nil {
		return nil, err
	}
	defer func() { srv.stop() }()
	// With --write-base, the project already holds that many annotations
	// (of other documents, by another annotator) when the annotators start,
	// and a fresh server, whose peak memory is then the scenario's, serves
	// them.
	baseDocs, base := 0, int64(0)
	if cfg.writeBase > 0 {
		perDoc := annsPerGenDoc(cfg)
		baseDocs = (cfg.writeBase + perDoc - 1) / perDoc
		fmt.Fprintf(os.Stderr, "  loading %d documents x %d annotations first\n", baseDocs, perDoc)
		if _, base, err = loadCorpus(ctx, srv, cfg, baseDocs); err != nil {
			return nil, err
		}
		srv.stop()
		if srv, err = startServer(db); err != nil {
			return nil, err
		}
	}
	admin, err := srv.client(srv.token)
	if err != nil {
		return nil, err
	}
	defer admin.Close()
	if base == 0 {
		if _, err := admin.Projects.CreateProject(ctx, &pb.CreateProjectRequest{Project: &pb.Project{Id: benchProject}}); err != nil {
			return nil, err
		}
	}
	var docs []genDoc
	for i := range writeDocs {
		d := generate(cfg.seed, baseDocs+i, 35, benchProject, "")
		docs = append(docs, d)
		if _, err := admin.Documents.CreateDocument(ctx, &pb.CreateDocumentRequest{Document: &pb.Document{ProjectId: benchProject, Id: d.id, Text: d.text}}); err != nil {
			return nil, err
		}
	}
	var ans []*annotator
	for i := range cfg.clients {
		name := fmt.Sprintf("ann%02d", i)
		resp, err := admin.Admin.CreateUser(ctx, &pb.CreateUserRequest{User: &pb.User{Name: name, Role: pb.Role_ROLE_ANNOTATOR}})
		if err != nil {
			return nil, err
		}
		if _, err := admin.Workflow.AddProjectMember(ctx, &pb.AddProjectMemberRequest{ProjectId: benchProject, User: name}); err != nil {
			return nil, err
		}
		c, err := srv.client(resp.GetSecret())
		if err != nil {
			return nil, err
		}
		defer c.Close()
		// Each annotator works on a few documents, as people do.
		r := rand.New(rand.NewPCG(cfg.seed, uint64(i)))
		var mineDocs []genDoc
		for _, k := range r.Perm(len(docs))[:docsPerAnnotator] {
			mineDocs = append(mineDocs, docs[k])
		}
		a := &annotator{name: name, c: c, r: r, docs: mineDocs, lists: cfg.lists,
			cursor: make([]int, len(mineDocs)), lat: map[string][]time.Duration{}, errs: map[string]int{}, sample: map[string]string{}}
		for range mineDocs {
			a.ids = append(a.ids, map[int]int64{})
		}
		ans = append(ans, a)
	}
	fmt.Fprintf(os.Stderr, "  %d annotators for %s\n", len(ans), cfg.duration)
	runCtx, cancel := context.WithTimeout(ctx, cfg.duration)
	defer cancel()
	srvCPU0, loadCPU0 := cpuSeconds(srv.cmd.Process.Pid), cpuSeconds(os.Getpid())
	start := time.Now()
	var wg sync.WaitGroup
	for _, a := range ans {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Calls are not cancelled at the deadline: a call the client
			// gave up on may still commit, and the check at the end would
			// count it as lost. The deadline stops the loop between calls.
			for runCtx.Err() == nil {
				a.step(ctx)
			}
		}()
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	srvCPU, loadCPU := cpuSeconds(srv.cmd.Process.Pid)-srvCPU0, cpuSeconds(os.Getpid())-loadCPU0
	rss := float64(srv.peakRSS()) / (1 << 20)

	lat := map[string][]time.Duration{}
	errs := map[string]int{}
	sample := map[string]string{}
	writes := 0
	for _, a := range ans {
		writes += a.writes
		for m, l := range a.lat {
			lat[m] = append(lat[m], l...)
		}
		for m, n := range a.errs {
			errs[m] += n
			sample[m] = a.sample[m]
		}
	}
	missing, lost, checked, err := verifyWrites(ctx, ans)
	if err != nil {
		return nil, err
	}
	// The limit writes to a database of the same size: with a base, the
	// scenario's own database once the server has stopped.
	rawDB, limitOn := filepath.Join(dir, "raw.db"), "an empty database"
	if base > 0 {
		srv.stop()
		rawDB, limitOn = db, "the scenario's database after the run"
	}
	rawRate, err := rawWriteRate(ctx, rawDB, 5*time.Second)
	if err != nil {
		return nil, err
	}
	rate := float64(writes) / secs
	rows := []row{{Scenario: "write", Figure: writesFigure, Unit: "writes/s", Scholia: rate, Limit: rawRate, Ratio: rate / rawRate, PeakRSS: rss,
		Target: ">= 5000/s, >= 0.50 of limit",
		Note:   fmt.Sprintf(writesNote, len(ans), mix(cfg.lists), cfg.duration, base, limitOn)}}
	methods := make([]string, 0, len(lat))
	for m := range lat {
		methods = append(methods, m)
	}
	sort.Strings(methods)
	for _, m := range methods {
		l := lat[m]
		slices.Sort(l)
		target := ""
		if m == "CreateAnnotation/mention" {
			target = "p99 < 20 ms"
		}
		rows = append(rows, row{Scenario: "write", Figure: m + " p50/p99/p99.9", Unit: "ms",
			Note:    fmt.Sprintf("%s: %d calls (%.0f/s), p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, %d errors", m, len(l), float64(len(l))/secs, percentile(l, .5), percentile(l, .99), percentile(l, .999), errs[m]),
			Scholia: percentile(l, .99), Target: target})
	}
	if srvCPU > 0 {
		calls := 0
		for _, l := range lat {
			calls += len(l)
		}
		rows = append(rows, row{Scenario: "write", Figure: "server CPU per call", Unit: "us", Scholia: srvCPU / float64(calls) * 1e6,
			Note: fmt.Sprintf("the server used %.2f cores and the load generator %.2f of the machine's %d, for %d calls in %.1fs", srvCPU/secs, loadCPU/secs, runtime.NumCPU(), calls, secs)})
	}
	verdict := "all present"
	if missing+lost > 0 {
		verdict = fmt.Sprintf("%d MISSING, %d LOST UPDATES", missing, lost)
	}
	rows = append(rows, row{Scenario: "write", Figure: "acknowledged writes read back: " + verdict, Note: fmt.Sprintf("%d acknowledged creates and their last acknowledged updates checked", checked)})
	return rows, nil
}

// verifyWrites reads every annotator's layer back and checks that every
// acknowledged create is there with the last acknowledged update.
func verifyWrites(ctx context.Context, ans []*annotator) (missing, lost, checked int, err error) {
	for _, a := range ans {
		got := map[int64]*pb.Annotation{}
		for ann, err := range a.c.AllAnnotations(ctx, &pb.ListAnnotationsRequest{ProjectId: benchProject, Annotator: a.name, PageSize: 1000}) {
			if err != nil {
				return 0, 0, 0, err
			}
			got[ann.GetId()] = ann
		}
		for _, m := range a.mine {
			checked++
			g, ok := got[m.id]
			switch {
			case !ok:
				missing++
			case g.GetEtag() != m.etag || g.GetAttributes()["mention_type"] != m.attr:
				lost++
			}
		}
	}
	return missing, lost, checked, nil
}

// mix describes the write scenario's calls.
func mix(lists int) string {
	w := float64(100-lists) / 9
	return fmt.Sprintf("%.0f%% creates, %.0f%% updates with etags, %d%% lists", 7*w, 2*w, lists)
}

// rawWriteRate measures one writer doing the transactions of a mention
// create with plain SQLite statements on a database of the same schema and
// settings: a revision row, an identity row and a version row per
// transaction.
func rawWriteRate(ctx context.Context, db string, d time.Duration) (float64, error) {
	st, err := sqlite.Open(ctx, db)
	if err != nil {
		return 0, err
	}
	st.Close()
	h, err := sql.Open("sqlite3", "file:"+db+"?_journal_mode=WAL&_busy_timeout=10000&_foreign_keys=on&_txlock=immediate&_synchronous=FULL&_cache_size=-65536")
	if err != nil {
		return 0, err
	}
	defer h.Close()
	h.SetMaxOpenConns(1)
	spans := `[{"s":10,"e":18,"t":"Ana Ruiz"}]`
	n := 0
	start := time.Now()
	for time.Since(start) < d {
		tx, err := h.BeginTx(ctx, nil)
		if err != nil {
			return 0, err
		}
		now := time.Now().UnixNano()
		res, err := tx.Exec(`INSERT INTO revisions (user, time, op, request_id, fingerprint, result) VALUES (?, ?, ?, NULL, NULL, ?)`, "ann00", now, "create annotations", `{"ids":[1]}`)
		if err != nil {
			tx.Rollback()
			return 0, err
		}
		rev, _ := res.LastInsertId()
		res, err = tx.Exec(`INSERT INTO annotation_ids (project, document, annotator, kind) VALUES (?, ?, ?, ?)`, benchProject, "doc-0000001", "ann00", 1)
		if err != nil {
			tx.Rollback()
			return 0, err
		}
		id, _ := res.LastInsertId()
		if _, err = tx.Exec(`INSERT INTO annotations (id, created_rev, project, document, annotator, kind, label, spans, attrs, body, create_rev, create_time, update_time, update_user)
			VALUES (?, ?, ?, ?, ?, 1, 'PER', ?, NULL, NULL, ?, ?, ?, ?)`, id, rev, benchProject, "doc-0000001", "ann00", spans, rev, now, now, "ann00"); err != nil {
			tx.Rollback()
			return 0, err
		}
		if err := tx.Commit(); err != nil {
			return 0, err
		}
		n++
	}
	return float64(n) / time.Since(start).Seconds(), nil
}
