package client

import (
	"context"
	"errors"
	"io"
	"iter"
	"math/rand/v2"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

// RetryPolicy says how the streaming iterators recover from transient
// failures: a server restart, a dropped connection, a server shutting down
// (all of which gRPC reports as UNAVAILABLE). They reconnect after a
// growing, jittered pause and continue where the last delivered message
// left off.
type RetryPolicy struct {
	// MaxAttempts is how many reconnections in a row may fail before the
	// iterator gives up and yields the error; a delivered message resets
	// the count. Zero means 10; negative means never retry.
	MaxAttempts int
	// MinBackoff and MaxBackoff bound the pause before a reconnection
	// (defaults 100 ms and 10 s); it doubles after each failed attempt.
	MinBackoff, MaxBackoff time.Duration
	// OnRetry, if set, is called before each pause, for logging.
	OnRetry func(err error, attempt int, pause time.Duration)
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts == 0 {
		p.MaxAttempts = 10
	}
	if p.MinBackoff <= 0 {
		p.MinBackoff = 100 * time.Millisecond
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = 10 * time.Second
	}
	return p
}

// transient reports whether a stream error is worth a reconnection.
func transient(err error) bool {
	return status.Code(err) == codes.Unavailable
}

// retrier counts failed attempts and sleeps between them.
type retrier struct {
	p       RetryPolicy
	attempt int
}

// wait pauses before the next attempt, or returns false if the policy or the
// context says stop.
func (r *retrier) wait(ctx context.Context, err error) bool {
	r.attempt++
	if r.p.MaxAttempts < 0 || r.attempt > r.p.MaxAttempts {
		return false
	}
	pause := r.p.MinBackoff << min(r.attempt-1, 20)
	if pause > r.p.MaxBackoff || pause <= 0 {
		pause = r.p.MaxBackoff
	}
	pause = pause/2 + rand.N(pause/2+1) // jitter, so clients do not return in step
	if r.p.OnRetry != nil {
		r.p.OnRetry(err, r.attempt, pause)
	}
	t := time.NewTimer(pause)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// StreamCorpus iterates over the corpus a StreamCorpusRequest selects, one
// document at a time, as of one revision. On a transient failure it
// reconnects and resumes from the last message it delivered, so the loop
// sees every document of the snapshot exactly once. Iteration ends after the
// last document, or with one yielded error. The request is not modified;
// to continue an earlier run, set its ResumeToken.
func (c *Client) StreamCorpus(ctx context.Context, req *pb.StreamCorpusRequest, policy RetryPolicy) iter.Seq2[*pb.StreamCorpusResponse, error] {
	return func(yield func(*pb.StreamCorpusResponse, error) bool) {
		r := proto.Clone(req).(*pb.StreamCorpusRequest)
		rt := retrier{p: policy.withDefaults()}
		for {
			stream, err := c.Corpus.StreamCorpus(ctx, r)
			for err == nil {
				var msg *pb.StreamCorpusResponse
				msg, err = stream.Recv()
				if err != nil {
					break
				}
				rt.attempt = 0
				r.ResumeToken = msg.GetResumeToken()
				if !yield(msg, nil) {
					return
				}
			}
			if errors.Is(err, io.EOF) {
				return
			}
			if !transient(err) || !rt.wait(ctx, err) {
				yield(nil, err)
				return
			}
		}
	}
}

// WatchChanges iterates over the change feed of a project from
// req.SinceRevision on: every change in revision order, then new changes as
// they are committed, with heartbeats while nothing happens. Each message's
// Revision is one that everything up to has been delivered: store it, and a
// later run with SinceRevision set to it misses nothing. On a transient
// failure it reconnects from that revision (changes of a partly delivered
// revision may then come twice). It runs until ctx ends or a permanent
// error, which is yielded.
func (c *Client) WatchChanges(ctx context.Context, req *pb.WatchChangesRequest, policy RetryPolicy) iter.Seq2[*pb.WatchChangesResponse, error] {
	return func(yield func(*pb.WatchChangesResponse, error) bool) {
		r := proto.Clone(req).(*pb.WatchChangesRequest)
		rt := retrier{p: policy.withDefaults()}
		for {
			stream, err := c.Corpus.WatchChanges(ctx, r)
			for err == nil {
				var msg *pb.WatchChangesResponse
				msg, err = stream.Recv()
				if err != nil {
					break
				}
				rt.attempt = 0
				r.SinceRevision = msg.GetRevision()
				if !yield(msg, nil) {
					return
				}
			}
			if errors.Is(err, io.EOF) || ctx.Err() != nil {
				if ctx.Err() != nil {
					yield(nil, ctx.Err())
				}
				return
			}
			if !transient(err) || !rt.wait(ctx, err) {
				yield(nil, err)
				return
			}
		}
	}
}
