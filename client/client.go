// Package client is the Go client library of scholia: it dials a server,
// sends the caller's bearer token on every call, and exposes the typed
// service clients together with helpers that scripts and ML jobs need
// (iterating over every page of a listing, finding quotes, converting
// offsets between code points, UTF-16 code units and UTF-8 bytes).
package client

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

// DefaultAddress is where `scholia serve` listens unless told otherwise.
const DefaultAddress = "127.0.0.1:7557"

// Client is a connection to a scholia server. Its service fields are the
// generated gRPC clients; every call carries the token given to Dial.
type Client struct {
	Projects    pb.ProjectServiceClient
	Documents   pb.DocumentServiceClient
	Annotations pb.AnnotationServiceClient
	Admin       pb.AdminServiceClient
	Corpus      pb.CorpusServiceClient
	Evaluation  pb.EvaluationServiceClient
	Workflow    pb.WorkflowServiceClient

	conn *grpc.ClientConn
}

type options struct {
	token    string
	tls      *tls.Config
	dialOpts []grpc.DialOption
}

// Option configures Dial.
type Option func(*options) error

// WithToken sends token as "authorization: Bearer <token>" on every call.
func WithToken(token string) Option {
	return func(o *options) error { o.token = strings.TrimSpace(token); return nil }
}

// WithTLS connects over TLS. caFile, when not empty, is a PEM file of the
// certificate authorities to trust instead of the system's.
func WithTLS(caFile string) Option {
	return func(o *options) error {
		cfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if caFile != "" {
			pem, err := os.ReadFile(caFile)
			if err != nil {
				return fmt.Errorf("reading CA file: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return fmt.Errorf("CA file %s holds no PEM certificate", caFile)
			}
			cfg.RootCAs = pool
		}
		o.tls = cfg
		return nil
	}
}

// WithDialOptions passes extra options to grpc.NewClient, for example a
// bufconn dialer in tests.
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(o *options) error { o.dialOpts = append(o.dialOpts, opts...); return nil }
}

// tokenCreds adds the bearer token to each call's metadata.
type tokenCreds struct {
	token  string
	secure bool
}

func (t tokenCreds) GetRequestMetadata(ctx context.Context, uri ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + t.token}, nil
}

// RequireTransportSecurity is false so that tokens can be sent to a server
// on loopback without TLS; use WithTLS for any other address.
func (t tokenCreds) RequireTransportSecurity() bool { return t.secure }

// Dial connects to the server at target (host:port). The connection is made
// lazily, on the first call.
func Dial(target string, opts ...Option) (*Client, error) {
	var o options
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	// A stream message carries a whole document with its annotations, far
	// above gRPC's default limit of 4 MiB for received messages.
	dial := []grpc.DialOption{grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(1 << 30))}
	if o.tls != nil {
		dial = append(dial, grpc.WithTransportCredentials(credentials.NewTLS(o.tls)))
	} else {
		dial = append(dial, grpc.WithTransportCredentials(insecure.NewCredentials()))
	}
	if o.token != "" {
		dial = append(dial, grpc.WithPerRPCCredentials(tokenCreds{token: o.token, secure: o.tls != nil}))
	}
	dial = append(dial, o.dialOpts...)
	conn, err := grpc.NewClient(target, dial...)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", target, err)
	}
	return New(conn), nil
}

// New wraps an existing connection.
func New(conn *grpc.ClientConn) *Client {
	return &Client{
		Projects:    pb.NewProjectServiceClient(conn),
		Documents:   pb.NewDocumentServiceClient(conn),
		Annotations: pb.NewAnnotationServiceClient(conn),
		Admin:       pb.NewAdminServiceClient(conn),
		Corpus:      pb.NewCorpusServiceClient(conn),
		Evaluation:  pb.NewEvaluationServiceClient(conn),
		Workflow:    pb.NewWorkflowServiceClient(conn),
		conn:        conn,
	}
}

// Conn returns the underlying connection, for services the Client does not
// wrap (health checking, reflection).
func (c *Client) Conn() *grpc.ClientConn { return c.conn }

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }
