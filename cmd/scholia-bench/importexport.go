package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/scholia-nlp/scholia"
	"github.com/scholia-nlp/scholia/format/brat"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
	"github.com/scholia-nlp/scholia/pbconv"
	"github.com/scholia-nlp/scholia/sqlite"
)

// The import and export scenarios time the real CLI, end to end: `scholia
// import --format brat` of a generated corpus (reading and parsing the
// files, streaming them over loopback gRPC, validating and storing them in
// SQLite) and `scholia export --format brat` of it (streaming the snapshot,
// writing the files). Their limits are the same rows inserted into, and
// scanned from, a database of the same schema with plain SQLite statements
// in large transactions, in the same run.

// imported is the corpus the import scenario loaded, for the export
// scenario of the same run.
var imported *importedCorpus

type importedCorpus struct {
	db, bin, brat string
	anns          int64
}

// benchImport generates a brat corpus, builds the scholia binary and times
// `scholia import` against a fresh server, then a raw insert of the rows.
func benchImport(cfg config, dir string) ([]row, error) {
	ic, secs, err := importCorpus(cfg, dir)
	if err != nil {
		return nil, err
	}
	rate := float64(ic.anns) / secs
	limit, err := rawInsertRate(ic.db, filepath.Join(dir, "raw.db"))
	if err != nil {
		return nil, fmt.Errorf("raw insert: %w", err)
	}
	imported = ic
	return []row{{Scenario: "import", Figure: "brat -> CLI -> gRPC -> SQLite", Unit: "annotations/s", Scholia: rate, Limit: limit, Ratio: rate / limit,
		Target: ">= 100000/s",
		Note: fmt.Sprintf("`scholia import --format brat` of %d documents, %d annotations in %.2fs; limit: plain INSERTs of the same rows into the same schema with the writer's settings, %d documents per transaction",
			cfg.docs, ic.anns, secs, rawTxDocs)}}, nil
}

// benchExport times `scholia export --format brat` of the imported corpus
// (importing it first if the import scenario did not run), then a raw scan
// of the same rows, and checks that every file reads back as written.
func benchExport(cfg config, dir string) ([]row, error) {
	ic := imported
	if ic == nil {
		var err error
		if ic, _, err = importCorpus(cfg, dir); err != nil {
			return nil, err
		}
	}
	srv, err := startServer(ic.db)
	if err != nil {
		return nil, err
	}
	out := filepath.Join(dir, "exported")
	// The file system's speed at writing the same files, just before and
	// just after the export.
	beforeSecs, err := copyFiles(ic.brat, filepath.Join(dir, "copied-before"))
	if err != nil {
		return nil, err
	}
	start := time.Now()
	stdout, err := runCLI(ic.bin, srv, "export", benchProject, "--format", "brat", "--annotator", benchAnnotator, "--out", out)
	secs := time.Since(start).Seconds()
	rss := float64(srv.peakRSS()) / (1 << 20)
	srv.stop()
	if err != nil {
		return nil, err
	}
	m := regexp.MustCompile(`exported (\d+) documents?, (\d+) annotations?`).FindStringSubmatch(stdout)
	if m == nil {
		return nil, fmt.Errorf("export said %q", stdout)
	}
	n, _ := strconv.ParseInt(m[2], 10, 64)
	same, total, err := sameFiles(ic.brat, out)
	if err != nil {
		return nil, err
	}
	afterSecs, err := copyFiles(ic.brat, filepath.Join(dir, "copied-after"))
	if err != nil {
		return nil, err
	}
	var scans []float64
	for i := 0; i < 3; i++ {
		_, anns, _, s, err := rawScan(ic.db)
		if err != nil {
			return nil, fmt.Errorf("raw scan: %w", err)
		}
		scans = append(scans, float64(anns)/s)
	}
	limit := median(scans)
	rate := float64(n) / secs
	return []row{
		{Scenario: "export", Figure: "SQLite -> gRPC -> CLI -> brat", Unit: "annotations/s", Scholia: rate, Limit: limit, Ratio: rate / limit,
			Target: ">= 200000/s", PeakRSS: rss,
			Note: fmt.Sprintf("`scholia export --format brat` of %s documents, %d annotations in %.2fs (server peak RSS in the RSS column); limit: plain SQLite scan of the same rows, median of 3; the file system alone took %.2fs just before and %.2fs just after to write a copy of the same files beside them",
				m[1], n, secs, beforeSecs, afterSecs)},
		{Scenario: "export", Figure: fmt.Sprintf("round trip: %d of %d files identical", same, total),
			Note: "the exported .txt and .ann files against the generated ones, byte for byte"},
	}, nil
}

// importCorpus generates the corpus, builds the CLI, starts a server on a
// new database and runs the import; it returns the import's seconds.
func importCorpus(cfg config, dir string) (*importedCorpus, float64, error) {
	ic := &importedCorpus{db: filepath.Join(dir, "import.db"), bin: filepath.Join(dir, "scholia"), brat: filepath.Join(dir, "brat")}
	fmt.Fprintf(os.Stderr, "  building the scholia binary\n")
	build := exec.Command("go", "build", "-o", ic.bin, "github.com/scholia-nlp/scholia/cmd/scholia")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		return nil, 0, fmt.Errorf("building the scholia binary (run the benchmark inside the repository): %w", err)
	}
	fmt.Fprintf(os.Stderr, "  writing %d brat documents x %d annotations\n", cfg.docs, cfg.annsPerDoc)
	if err := writeBratCorpus(cfg, ic.brat); err != nil {
		return nil, 0, err
	}
	srv, err := startServer(ic.db)
	if err != nil {
		return nil, 0, err
	}
	defer srv.stop()
	c, err := srv.client(srv.token)
	if err != nil {
		return nil, 0, err
	}
	defer c.Close()
	ctx := context.Background()
	if _, err := c.Projects.CreateProject(ctx, &pb.CreateProjectRequest{Project: &pb.Project{Id: benchProject}}); err != nil {
		return nil, 0, err
	}
	if _, err := c.Admin.CreateUser(ctx, &pb.CreateUserRequest{User: &pb.User{Name: benchAnnotator, Role: pb.Role_ROLE_ANNOTATOR}}); err != nil {
		return nil, 0, err
	}
	fmt.Fprintf(os.Stderr, "  scholia import\n")
	start := time.Now()
	stdout, err := runCLI(ic.bin, srv, "import", benchProject, "--format", "brat", ic.brat, "--annotator", benchAnnotator)
	secs := time.Since(start).Seconds()
	if err != nil {
		return nil, 0, err
	}
	m := regexp.MustCompile(`imported (\d+) documents?, (\d+) annotations?`).FindStringSubmatch(stdout)
	if m == nil || m[1] != strconv.Itoa(cfg.docs) {
		return nil, 0, fmt.Errorf("import said %q", stdout)
	}
	ic.anns, _ = strconv.ParseInt(m[2], 10, 64)
	return ic, secs, nil
}

// runCLI runs the scholia binary against the server and returns its
// standard output.
func runCLI(bin string, srv *serverProc, args ...string) (string, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "SCHOLIA_SERVER="+srv.addr, "SCHOLIA_TOKEN="+srv.token, "SCHOLIA_TOKEN_FILE=")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("scholia %s: %v\n%s%s", args[0], err, out.String(), errb.String())
	}
	return out.String(), nil
}

// copyFiles times writing a copy of the files of src (read first) into a
// new directory, four at a time as `scholia export --format brat` writes
// them: what the file system alone costs an export of the same files.
func copyFiles(src, dst string) (float64, error) {
	entries, err := os.ReadDir(src)
	if err != nil {
		return 0, err
	}
	data := make([][]byte, len(entries))
	for i, e := range entries {
		if data[i], err = os.ReadFile(filepath.Join(src, e.Name())); err != nil {
			return 0, err
		}
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return 0, err
	}
	const workers = 4
	errs := make(chan error, workers)
	start := time.Now()
	for w := 0; w < workers; w++ {
		go func() {
			for i := w; i < len(entries); i += workers {
				if err := os.WriteFile(filepath.Join(dst, entries[i].Name()), data[i], 0o644); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	var first error
	for w := 0; w < workers; w++ {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return time.Since(start).Seconds(), first
}

// writeBratCorpus writes the generated corpus as brat files: the bench's
// documents, their references made local ids.
func writeBratCorpus(cfg config, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < cfg.docs; i += 4 {
				g := generate(cfg.seed, i, cfg.annsPerDoc, "", "")
				doc := scholia.AnnotatedDocument{Document: scholia.Document{ID: g.id, Text: g.text}}
				for k, pa := range g.anns {
					a := pbconv.AnnotationFromPB(pa)
					a.ID = int64(k + 1)
					for j := range a.Arguments {
						a.Arguments[j].AnnotationID = -a.Arguments[j].AnnotationID
					}
					if a.Claim != nil {
						a.Claim.ClaimantID = -a.Claim.ClaimantID
					}
					doc.Annotations = append(doc.Annotations, a)
				}
				base := filepath.Join(dir, g.id)
				if _, err := brat.WriteFiles(base+".txt", base+".ann", doc, brat.WriteOptions{}); err != nil {
					errs <- fmt.Errorf("document %s: %w", g.id, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// sameFiles counts the files of want that got has byte for byte.
func sameFiles(want, got string) (same, total int, err error) {
	entries, err := os.ReadDir(want)
	if err != nil {
		return 0, 0, err
	}
	for _, e := range entries {
		a, err := os.ReadFile(filepath.Join(want, e.Name()))
		if err != nil {
			return 0, 0, err
		}
		b, _ := os.ReadFile(filepath.Join(got, e.Name()))
		total++
		if bytes.Equal(a, b) {
			same++
		}
	}
	return same, total, nil
}

// rawTxDocs is how many documents' rows one transaction of the raw insert
// holds.
const rawTxDocs = 500

// rawInsertRate copies the imported rows (texts, documents, revisions,
// annotation ids, annotations, references) from src into a new database
// with scholia's schema, with prepared INSERT statements in transactions of
// rawTxDocs documents, and returns the annotations per second of the
// inserts alone (the rows are read from src between the timed parts).
func rawInsertRate(src, dst string) (float64, error) {
	st, err := sqlite.Open(context.Background(), dst) // the same schema, migrated
	if err != nil {
		return 0, err
	}
	st.Close()
	from, err := sql.Open("sqlite3", "file:"+src+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		return 0, err
	}
	defer from.Close()
	// The settings of scholia's writer connection (sqlite/store.go).
	to, err := sql.Open("sqlite3", "file:"+dst+"?_journal_mode=WAL&_busy_timeout=10000&_foreign_keys=on&_txlock=immediate&_synchronous=FULL&_cache_size=-65536")
	if err != nil {
		return 0, err
	}
	defer to.Close()
	to.SetMaxOpenConns(1)
	var docs []string
	rows, err := from.Query(`SELECT id FROM documents WHERE project = ? AND deleted_rev IS NULL ORDER BY id`, benchProject)
	if err != nil {
		return 0, err
	}
	for rows.Next() {
		var id string
		rows.Scan(&id)
		docs = append(docs, id)
	}
	rows.Close()
	tables := []struct{ name, cols, where string }{
		{"revisions", "rev, user, time, op, request_id, fingerprint, result",
			"rev IN (SELECT created_rev FROM documents WHERE project = ?1 AND id BETWEEN ?2 AND ?3)"},
		{"texts", "id, text", "id IN (SELECT text_id FROM documents WHERE project = ?1 AND id BETWEEN ?2 AND ?3)"},
		{"documents", "project, id, created_rev, deleted_rev, text_id, title, source, url, publish_time, language, length, sha256, create_time, update_time",
			"project = ?1 AND id BETWEEN ?2 AND ?3"},
		{"annotation_ids", "id, project, document, annotator, kind", "project = ?1 AND document BETWEEN ?2 AND ?3"},
		{"annotations", "vid, id, created_rev, deleted_rev, project, document, annotator, kind, label, spans, attrs, body, create_rev, create_time, update_time, update_user",
			"project = ?1 AND document BETWEEN ?2 AND ?3"},
		{"annotation_refs", "source, target, created_rev, deleted_rev, kind",
			"source IN (SELECT id FROM annotation_ids WHERE project = ?1 AND document BETWEEN ?2 AND ?3)"},
	}
	var timed time.Duration
	var anns int64
	for lo := 0; lo < len(docs); lo += rawTxDocs {
		hi := min(lo+rawTxDocs, len(docs)) - 1
		// Read the batch's rows (not timed).
		batch := make([][][]any, len(tables))
		for t, tb := range tables {
			rows, err := from.Query(`SELECT `+tb.cols+` FROM `+tb.name+` WHERE `+tb.where, benchProject, docs[lo], docs[hi])
			if err != nil {
				return 0, err
			}
			n := strings.Count(tb.cols, ",") + 1
			for rows.Next() {
				vals := make([]any, n)
				ptrs := make([]any, n)
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					rows.Close()
					return 0, err
				}
				batch[t] = append(batch[t], vals)
			}
			rows.Close()
		}
		anns += int64(len(batch[4]))
		// Insert them in one transaction (timed).
		start := time.Now()
		tx, err := to.Begin()
		if err != nil {
			return 0, err
		}
		for t, tb := range tables {
			n := strings.Count(tb.cols, ",") + 1
			stmt, err := tx.Prepare(`INSERT INTO ` + tb.name + ` (` + tb.cols + `) VALUES (?` + strings.Repeat(", ?", n-1) + `)`)
			if err != nil {
				tx.Rollback()
				return 0, err
			}
			for _, vals := range batch[t] {
				if _, err := stmt.Exec(vals...); err != nil {
					tx.Rollback()
					return 0, fmt.Errorf("%s: %w", tb.name, err)
				}
			}
			stmt.Close()
		}
		if err := tx.Commit(); err != nil {
			return 0, err
		}
		timed += time.Since(start)
	}
	return float64(anns) / timed.Seconds(), nil
}
