package server

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/scholia-nlp/scholia"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
	"github.com/scholia-nlp/scholia/pbconv"
)

// corpusChunk is how many documents StreamCorpus reads at a time: each
// chunk is a few short queries, so no read transaction stays open while the
// client consumes the stream, and memory does not grow with the corpus.
const corpusChunk = 64

type corpusService struct {
	pb.UnimplementedCorpusServiceServer
	*Server
}

// streamAnnotators narrows a list of layers to those the caller may read:
// an annotator asking for all layers gets their own.
func (s *Server) streamAnnotators(ctx context.Context, project string, asked []string) ([]string, error) {
	c := callerFrom(ctx)
	if len(asked) == 0 {
		if c.Role == scholia.RoleAnnotator {
			return []string{c.Name}, nil
		}
		return nil, nil
	}
	if err := s.checkReadLayers(ctx, project, "", asked); err != nil {
		return nil, err
	}
	out := slices.Clone(asked)
	slices.Sort(out)
	return slices.Compact(out), nil
}

// recheck makes a long stream notice a token revoked or a user disabled
// while it runs.
func (s *Server) recheck(ctx context.Context) error {
	c := callerFrom(ctx)
	if c.tokenHash == nil {
		return nil
	}
	_, _, err := s.store.Authenticate(ctx, c.tokenHash)
	if err != nil && scholia.ErrorCode(err) == scholia.CodeUnauthenticated {
		return scholia.Errorf(scholia.CodeUnauthenticated, "TOKEN_REVOKED", "the token was revoked or its user disabled while the stream was open")
	}
	return err
}

func (s *corpusService) StreamCorpus(req *pb.StreamCorpusRequest, stream pb.CorpusService_StreamCorpusServer) error {
	ctx := stream.Context()
	annotators, err := s.streamAnnotators(ctx, req.GetProjectId(), req.GetAnnotators())
	if err != nil {
		return err
	}
	var v scholia.Violations
	for i, k := range req.GetKinds() {
		if !pbconv.KindFromPB(k).Valid() {
			v.Add(fmt.Sprintf("kinds[%d]", i), "not an annotation kind")
		}
	}
	from, to := pbconv.FromTS(req.GetPublishTimeStart()), pbconv.FromTS(req.GetPublishTimeEnd())
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		v.Add("publish_time_end", "must be after publish_time_start")
	}
	if req.GetAsOfRevision() < 0 {
		v.Add("as_of_revision", "must not be negative")
	}
	if req.GetChangedSinceRevision() < 0 {
		v.Add("changed_since_revision", "must not be negative")
	}
	if err := v.Err("bad stream request"); err != nil {
		return err
	}
	f := scholia.CorpusFilter{
		Project: req.GetProjectId(), Annotators: annotators, Documents: req.GetDocumentIds(),
		From: from, To: to, Kinds: pbconv.KindsFromPB(req.GetKinds()), Labels: req.GetLabels(),
		DoneOnly: req.GetDoneOnly(), WithText: !req.GetExcludeText(), ChangedSince: req.GetChangedSinceRevision(),
	}
	filter := digest(f, req.GetSkipEmpty(), req.GetAsOfRevision())
	cur, err := s.tokens.decode("resume_token", req.GetResumeToken(), "corpus", filter)
	if err != nil {
		return err
	}
	if cur.AsOf == 0 {
		if cur.AsOf, err = s.snapshot(ctx, f.Project, req.GetAsOfRevision()); err != nil {
			return err
		}
	} else if err := s.checkRetained(ctx, cur.AsOf); err != nil {
		return err
	}
	var buf []byte // one encoding buffer for the whole stream
	return s.eachCorpusChunk(ctx, f, cur.After, cur.AsOf, func(docs []scholia.CorpusDocument) error {
		for _, d := range docs {
			if s.stopped() {
				return errStopping()
			}
			if req.GetSkipEmpty() && len(d.Annotations) == 0 {
				continue
			}
			token := s.tokens.encode(pageCursor{List: "corpus", Filter: filter, After: d.Document.ID, AsOf: cur.AsOf})
			if buf, err = pbconv.AppendCorpusDocument(buf[:0], d, cur.AsOf, token); err != nil {
				return scholia.Internal(fmt.Sprintf("encode document %q", d.Document.ID), err)
			}
			// Send blocks while the client is not reading: flow control
			// keeps the server from buffering the corpus.
			if err := stream.SendMsg(newEncodedMessage(buf)); err != nil {
				return err
			}
		}
		return nil
	})
}

// eachCorpusChunk reads the documents f selects as of revision rev, after
// the document id `after`, corpusChunk documents at a time (each chunk a
// few short queries, so no read transaction stays open between them and
// memory does not grow with the corpus), and calls fn with each chunk until
// fn fails or the corpus ends. Between chunks it checks that the caller's
// token is still valid. StreamCorpus and the EvaluationService read the
// corpus through it.
func (s *Server) eachCorpusChunk(ctx context.Context, f scholia.CorpusFilter, after string, rev int64, fn func([]scholia.CorpusDocument) error) error {
	// The next chunk is read while fn sends the current one, so reading and
	// sending run on two cores; at most two chunks are in memory at once.
	type chunk struct {
		docs []scholia.CorpusDocument
		err  error
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan chunk)
	go func() {
		defer close(chunks)
		for {
			docs, err := s.store.ReadCorpus(ctx, f, after, corpusChunk, rev)
			if err == nil && len(docs) == corpusChunk {
				err = s.recheck(ctx)
			}
			select {
			case chunks <- chunk{docs, err}:
			case <-ctx.Done():
				return
			}
			if err != nil || len(docs) < corpusChunk {
				return
			}
			after = docs[len(docs)-1].Document.ID
		}
	}()
	for c := range chunks {
		if c.err != nil {
			return c.err
		}
		if err := fn(c.docs); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// snapshot fixes the revision a read of project shows when it starts (a
// stream, or an evaluation): the revision asked for, or the newest for 0. A
// revision not yet committed is INVALID_ARGUMENT; one older than retention
// keeps is FAILED_PRECONDITION.
func (s *Server) snapshot(ctx context.Context, project string, asked int64) (int64, error) {
	if _, err := s.store.GetProject(ctx, project); err != nil {
		return 0, err
	}
	newest, err := s.store.Revision(ctx)
	if err != nil {
		return 0, err
	}
	rev := newest
	if asked > 0 {
		if asked > newest {
			return 0, scholia.Invalid("bad revision", scholia.FieldViolation{Field: "as_of_revision",
				Description: fmt.Sprintf("revision %d has not happened yet; the newest is %d", asked, newest)})
		}
		rev = asked
	}
	if err := s.checkRetained(ctx, rev); err != nil {
		return 0, err
	}
	return rev, nil
}

// checkRetained refuses a snapshot older than what retention has kept.
func (s *Server) checkRetained(ctx context.Context, rev int64) error {
	oldest, err := s.store.OldestRevision(ctx)
	if err != nil {
		return err
	}
	if rev < oldest {
		return scholia.Errorf(scholia.CodeFailedPrecondition, "REVISION_EXPIRED",
			"revision %d is older than the oldest revision still kept (%d): start a new stream", rev, oldest)
	}
	return nil
}

// changesPerRead bounds how many revisions one read of the change feed
// takes, so that catching up on a long history is a series of short reads.
const changesPerRead = 256

func (s *corpusService) WatchChanges(req *pb.WatchChangesRequest, stream pb.CorpusService_WatchChangesServer) error {
	ctx := stream.Context()
	annotators, err := s.streamAnnotators(ctx, req.GetProjectId(), req.GetAnnotators())
	if err != nil {
		return err
	}
	since := req.GetSinceRevision()
	var v scholia.Violations
	if since < 0 {
		v.Add("since_revision", "must not be negative")
	}
	hb := time.Duration(req.GetHeartbeatSeconds()) * time.Second
	switch {
	case req.GetHeartbeatSeconds() == 0:
		hb = 10 * time.Second
	case req.GetHeartbeatSeconds() < 0 || req.GetHeartbeatSeconds() > 3600:
		v.Add("heartbeat_seconds", "between 1 and 3600")
	}
	if err := v.Err("bad watch request"); err != nil {
		return err
	}
	if _, err := s.store.GetProject(ctx, req.GetProjectId()); err != nil {
		return err
	}
	if since > 0 {
		if err := s.checkRetained(ctx, since); err != nil {
			return err
		}
	}
	lastSent := time.Now()
	for {
		// Everything up to newest is committed when newest is read, so a
		// read of the changes that comes back empty means the project had
		// none up to newest.
		newest, err := s.store.Revision(ctx)
		if err != nil {
			return err
		}
		changes, err := s.store.Changes(ctx, req.GetProjectId(), annotators, since, changesPerRead)
		if err != nil {
			return err
		}
		for i, ch := range changes {
			// A message's revision is one everything up to which has been
			// sent: the change's own only after the last change of it.
			upTo := ch.Rev - 1
			if i == len(changes)-1 || changes[i+1].Rev != ch.Rev {
				upTo = ch.Rev
			}
			if err := stream.Send(&pb.WatchChangesResponse{Change: pbconv.ChangeToPB(ch), Revision: upTo}); err != nil {
				return err
			}
			lastSent = time.Now()
		}
		if len(changes) > 0 {
			since = changes[len(changes)-1].Rev
			continue
		}
		since = max(since, newest)
		wait := hb - time.Since(lastSent)
		if wait <= 0 {
			if err := s.recheck(ctx); err != nil {
				return err
			}
			if err := stream.Send(&pb.WatchChangesResponse{Revision: since, Heartbeat: true}); err != nil {
				return err
			}
			lastSent = time.Now()
			continue
		}
		wctx, cancel := context.WithTimeout(ctx, wait)
		go func() {
			select {
			case <-s.stopping:
				cancel()
			case <-wctx.Done():
			}
		}()
		_, _ = s.store.WaitRevision(wctx, since)
		cancel()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if s.stopped() {
			return errStopping()
		}
	}
}
