// Package server implements scholia's gRPC services on top of a
// scholia.Store: the mapping between API messages and domain types,
// authentication and role checks, logging, panic recovery, and the mapping
// of domain errors to gRPC statuses.
package server

import (
	"context"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"

	"github.com/scholia-nlp/scholia"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

// Options tune a Server. The zero value is usable.
type Options struct {
	// Logger receives one line per call and the details of internal errors.
	Logger *slog.Logger
	// MaxDocumentBytes is the largest document text accepted (default 10 MiB).
	MaxDocumentBytes int
	// MaxPageSize is the largest page a List returns (default 1000); larger
	// requests are served this many.
	MaxPageSize int
	// MaxBatch is the most annotations one BatchCreateAnnotations takes
	// (default 10000).
	MaxBatch int
	// MaxMessageBytes is the largest request message accepted; larger ones
	// are refused with RESOURCE_EXHAUSTED before they are decoded. The
	// default is MaxDocumentBytes plus 1 MiB, and at least 4 MiB.
	MaxMessageBytes int
	// BackupDir is where AdminService.Backup makes its temporary copy
	// (default: the system's temporary directory). `scholia serve` uses the
	// database's directory.
	BackupDir string
}

func (o *Options) defaults() {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.MaxDocumentBytes <= 0 {
		o.MaxDocumentBytes = 10 << 20
	}
	if o.MaxPageSize <= 0 {
		o.MaxPageSize = 1000
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 10000
	}
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = max(o.MaxDocumentBytes+(1<<20), 4<<20)
	}
}

// Server holds scholia's gRPC services. Create it with New and register it
// on a grpc.Server with Register, or use NewGRPCServer for both.
type Server struct {
	store  scholia.Store
	opts   Options
	log    *slog.Logger
	tokens *pageTokens
	health *health.Server
	// stopping is closed by Shutdown: long streams then end with
	// UNAVAILABLE, which clients resume from, instead of holding the
	// shutdown until its grace period runs out.
	stopping  chan struct{}
	closeOnce sync.Once
}

// New returns the services over store.
func New(ctx context.Context, store scholia.Store, opts Options) (*Server, error) {
	opts.defaults()
	secret, err := store.Secret(ctx)
	if err != nil {
		return nil, err
	}
	return &Server{store: store, opts: opts, log: opts.Logger, tokens: &pageTokens{key: secret}, health: health.NewServer(), stopping: make(chan struct{})}, nil
}

// ServerOptions returns the grpc options scholia needs: its interceptors and
// the limit on received messages (MaxMessageBytes). Sent messages are not
// limited beyond gRPC's own default: the server builds them itself, and a
// stream message carries a whole document (up to MaxDocumentBytes) with its
// annotations, which can be larger than any request.
func (s *Server) ServerOptions() []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(s.unaryInterceptor),
		grpc.ChainStreamInterceptor(s.streamInterceptor),
		grpc.MaxRecvMsgSize(s.opts.MaxMessageBytes),
		codecOption(),
	}
}

// Register adds every scholia service, health checking and reflection to g.
func (s *Server) Register(g *grpc.Server) {
	pb.RegisterProjectServiceServer(g, &projectService{Server: s})
	pb.RegisterDocumentServiceServer(g, &documentService{Server: s})
	pb.RegisterAnnotationServiceServer(g, &annotationService{Server: s})
	pb.RegisterAdminServiceServer(g, &adminService{Server: s})
	pb.RegisterCorpusServiceServer(g, &corpusService{Server: s})
	pb.RegisterEvaluationServiceServer(g, &evaluationService{Server: s})
	pb.RegisterWorkflowServiceServer(g, &workflowService{Server: s})
	healthpb.RegisterHealthServer(g, s.health)
	reflection.Register(g)
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
}

// NewGRPCServer returns a grpc.Server with the scholia services registered,
// plus any extra options (such as TLS credentials).
func (s *Server) NewGRPCServer(extra ...grpc.ServerOption) *grpc.Server {
	g := grpc.NewServer(append(s.ServerOptions(), extra...)...)
	s.Register(g)
	return g
}

// Shutdown marks the server as not serving, so that health checks fail while
// in-flight calls finish, and ends open streams with UNAVAILABLE so that
// their clients resume elsewhere or after the restart. Call it before
// grpc.Server.GracefulStop.
func (s *Server) Shutdown() {
	s.closeOnce.Do(func() {
		s.health.Shutdown()
		close(s.stopping)
	})
}

// errStopping is what open streams end with when the server shuts down.
func errStopping() error {
	return scholia.Errorf(scholia.CodeUnavailable, "SHUTTING_DOWN", "the server is shutting down; resume from the last message received")
}

// stopped reports whether Shutdown was called.
func (s *Server) stopped() bool {
	select {
	case <-s.stopping:
		return true
	default:
		return false
	}
}

// public methods need no token: health checks and reflection, so that load
// balancers and grpcurl work without credentials.
func public(method string) bool {
	return strings.HasPrefix(method, "/grpc.health.v1.") || strings.HasPrefix(method, "/grpc.reflection.")
}

func (s *Server) unaryInterceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
	start := time.Now()
	var c *caller
	defer func() {
		if r := recover(); r != nil {
			s.log.ErrorContext(ctx, "panic", "method", info.FullMethod, "panic", r, "stack", string(debug.Stack()))
			resp, err = nil, status.Error(codes.Internal, "internal error")
		}
		s.logCall(ctx, info.FullMethod, c, start, err)
	}()
	if !public(info.FullMethod) {
		if c, err = s.authenticate(ctx); err != nil {
			return nil, toStatus(ctx, s.log, info.FullMethod, err)
		}
		ctx = withCaller(ctx, c)
		if err = s.checkMembership(ctx, req); err != nil {
			return nil, toStatus(ctx, s.log, info.FullMethod, err)
		}
	}
	resp, err = handler(ctx, req)
	return resp, toStatus(ctx, s.log, info.FullMethod, err)
}

// wrappedStream carries the authenticated context into stream handlers,
// and checks every received message with check (project membership).
type wrappedStream struct {
	grpc.ServerStream
	ctx   context.Context
	check func(ctx context.Context, msg any) error
}

func (w *wrappedStream) Context() context.Context { return w.ctx }

// RecvMsg receives a message and checks it.
func (w *wrappedStream) RecvMsg(m any) error {
	if err := w.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	if w.check != nil {
		return w.check(w.ctx, m)
	}
	return nil
}

func (s *Server) streamInterceptor(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
	start := time.Now()
	ctx := ss.Context()
	var c *caller
	defer func() {
		if r := recover(); r != nil {
			s.log.ErrorContext(ctx, "panic", "method", info.FullMethod, "panic", r, "stack", string(debug.Stack()))
			err = status.Error(codes.Internal, "internal error")
		}
		s.logCall(ctx, info.FullMethod, c, start, err)
	}()
	if !public(info.FullMethod) {
		if c, err = s.authenticate(ctx); err != nil {
			return toStatus(ctx, s.log, info.FullMethod, err)
		}
		ctx = withCaller(ctx, c)
	}
	err = handler(srv, &wrappedStream{ServerStream: ss, ctx: ctx, check: s.checkMembership})
	return toStatus(ctx, s.log, info.FullMethod, err)
}

func (s *Server) logCall(ctx context.Context, method string, c *caller, start time.Time, err error) {
	if public(method) {
		return
	}
	// Successful calls are logged at debug level (serve --log-level debug):
	// a line per call costs a busy server more than the call's own work.
	// Refusals are logged at info, internal errors at error.
	level := slog.LevelDebug
	code := status.Code(err)
	switch code {
	case codes.OK:
	case codes.Internal, codes.Unknown, codes.DataLoss:
		level = slog.LevelError
	default:
		level = slog.LevelInfo
	}
	if !s.log.Enabled(ctx, level) {
		return
	}
	user := ""
	if c != nil {
		user = c.Name
	}
	s.log.Log(ctx, level, "call", "method", method, "user", user, "code", code.String(), "ms", float64(time.Since(start).Microseconds())/1000)
}

// write returns the WriteMeta of a call by the caller.
func write(ctx context.Context, requestID string, fingerprint string) scholia.WriteMeta {
	return scholia.WriteMeta{User: callerFrom(ctx).Name, RequestID: requestID, Fingerprint: fingerprint}
}

// pageSize turns a requested page size into the number of items to serve.
func (s *Server) pageSize(field string, n int32) (int, error) {
	switch {
	case n < 0:
		return 0, scholia.Invalid("bad page size", scholia.FieldViolation{Field: field, Description: "must not be negative"})
	case n == 0:
		return min(100, s.opts.MaxPageSize), nil
	}
	return min(int(n), s.opts.MaxPageSize), nil
}
