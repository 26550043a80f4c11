package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/scholia-nlp/scholia/client"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

const (
	benchProject   = "bench"
	benchAnnotator = "alice"
	loaders        = 8
)

// loadCorpus creates the bench project, the annotator and docs generated
// documents with their annotations, through the API (one batch per
// document, several loaders at once). It returns the annotations per second
// of the load and how many annotations it created.
func loadCorpus(ctx context.Context, srv *serverProc, cfg config, docs int) (float64, int64, error) {
	c, err := srv.client(srv.token)
	if err != nil {
		return 0, 0, err
	}
	defer c.Close()
	if _, err := c.Projects.CreateProject(ctx, &pb.CreateProjectRequest{Project: &pb.Project{Id: benchProject}}); err != nil {
		return 0, 0, err
	}
	if _, err := c.Admin.CreateUser(ctx, &pb.CreateUserRequest{User: &pb.User{Name: benchAnnotator, Role: pb.Role_ROLE_ANNOTATOR}}); err != nil {
		return 0, 0, err
	}
	start := time.Now()
	var next, anns atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, loaders)
	for w := 0; w < loaders; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= docs {
					return
				}
				d := generate(cfg.seed, i, cfg.annsPerDoc, benchProject, benchAnnotator)
				if err := loadDoc(ctx, c, d); err != nil {
					errs <- fmt.Errorf("document %d: %w", i, err)
					return
				}
				n := anns.Add(int64(len(d.anns)))
				if i%1000 == 999 {
					fmt.Fprintf(os.Stderr, "\r  loaded %d documents, %d annotations (%.0f annotations/s)   ", i+1, n, float64(n)/time.Since(start).Seconds())
				}
			}
		}()
	}
	wg.Wait()
	fmt.Fprintln(os.Stderr)
	close(errs)
	if err := <-errs; err != nil {
		return 0, 0, err
	}
	return float64(anns.Load()) / time.Since(start).Seconds(), anns.Load(), nil
}

func loadDoc(ctx context.Context, c *client.Client, d genDoc) error {
	if _, err := c.Documents.CreateDocument(ctx, &pb.CreateDocumentRequest{Document: &pb.Document{
		ProjectId: benchProject, Id: d.id, Text: d.text, Source: "Example Wire", Language: "en"}}); err != nil {
		return err
	}
	_, err := c.Annotations.BatchCreateAnnotations(ctx, &pb.BatchCreateAnnotationsRequest{Annotations: d.anns})
	return err
}
