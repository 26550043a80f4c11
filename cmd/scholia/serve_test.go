package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/scholia-nlp/scholia/client"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

// lockedBuffer collects a server's log from its goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// served is a `scholia serve` running in this process.
type served struct {
	addr  string // where a client on this machine reaches it
	db    string
	token string // the admin's
	log   *lockedBuffer
}

var servingAddr = regexp.MustCompile(`msg=serving addr=(\S+)`)

// serveInProcess runs `scholia serve` with args (plus --db in a temporary
// directory) until the test ends, and waits until it listens.
func serveInProcess(t *testing.T, args ...string) *served {
	t.Helper()
	db := filepath.Join(t.TempDir(), "a.db")
	logs := &lockedBuffer{}
	a := &app{stdin: strings.NewReader(""), stdout: logs, stderr: logs}
	root := a.rootCommand()
	root.SetArgs(append([]string{"serve", "--db", db}, args...))
	root.SetOut(logs)
	root.SetErr(logs)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		select {
		case err := <-done:
			done <- err
			t.Fatalf("serve %v: %v\n%s", args, err, logs.String())
		default:
		}
		m := servingAddr.FindStringSubmatch(logs.String())
		if m == nil {
			continue
		}
		addr := m[1]
		if host, port, err := net.SplitHostPort(addr); err == nil && net.ParseIP(host).IsUnspecified() {
			addr = net.JoinHostPort("127.0.0.1", port)
		}
		tok, err := os.ReadFile(db + ".admin-token")
		if err != nil {
			t.Fatal(err)
		}
		return &served{addr: addr, db: db, token: strings.TrimSpace(string(tok)), log: logs}
	}
	t.Fatalf("serve %v did not start:\n%s", args, logs.String())
	return nil
}

// cli runs the scholia CLI in this process.
func cli(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// makeCerts writes a new CA and a server certificate it signed, for
// 127.0.0.1 and localhost, and returns the files.
func makeCerts(t *testing.T) (caFile, certFile, keyFile string) {
	t.Helper()
	dir := t.TempDir()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "scholia test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "scholia test server"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, typ string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return write("ca.pem", "CERTIFICATE", caDER), write("cert.pem", "CERTIFICATE", der), write("key.pem", "EC PRIVATE KEY", keyDER)
}

// TestTLS serves with --tls-cert and --tls-key and a certificate made for
// the test: the Go client with WithTLS(ca) and the CLI with --tls --ca
// connect; a plaintext client, and a TLS client that does not trust the
// CA, do not.
func TestTLS(t *testing.T) {
	caFile, certFile, keyFile := makeCerts(t)
	s := serveInProcess(t, "--listen", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.Contains(s.log.String(), "tls=true") {
		t.Errorf("the server does not say it serves TLS:\n%s", s.log.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	c, err := client.Dial(s.addr, client.WithTLS(caFile), client.WithToken(s.token))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	who, err := c.Admin.WhoAmI(ctx, &pb.WhoAmIRequest{})
	if err != nil || who.GetUser().GetName() != "admin" {
		t.Fatalf("WhoAmI over TLS: %v %v", who, err)
	}
	tokenFile := s.db + ".admin-token"
	if code, out, errOut := cli("--server", s.addr, "--tls", "--ca", caFile, "--token-file", tokenFile, "whoami"); code != 0 || !strings.Contains(out, "admin (admin)") {
		t.Fatalf("scholia --tls --ca whoami: exit %d\n%s%s", code, out, errOut)
	}

	plain, err := client.Dial(s.addr, client.WithToken(s.token))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if _, err := plain.Admin.WhoAmI(ctx, &pb.WhoAmIRequest{}); status.Code(err) != codes.Unavailable {
		t.Errorf("a plaintext client got %v, want Unavailable", err)
	}
	if code, _, errOut := cli("--server", s.addr, "--token-file", tokenFile, "whoami"); code == 0 {
		t.Errorf("the CLI without --tls succeeded against a TLS server")
	} else if !strings.Contains(errOut, "Unavailable") {
		t.Errorf("the CLI without --tls: %s", errOut)
	}
	// The system's roots do not know the test CA.
	if code, _, errOut := cli("--server", s.addr, "--tls", "--token-file", tokenFile, "whoami"); code == 0 {
		t.Errorf("the CLI trusted a certificate of an unknown CA")
	} else if !strings.Contains(errOut, "certificate") {
		t.Errorf("the CLI with an unknown CA: %s", errOut)
	}
	// A file that is not a CA is refused before any connection.
	if code, _, errOut := cli("--server", s.addr, "--tls", "--ca", keyFile, "--token-file", tokenFile, "whoami"); code == 0 || !strings.Contains(errOut, "no PEM certificate") {
		t.Errorf("--ca with a key file: exit %d, %s", code, errOut)
	}
	// A key without its certificate is a usage error.
	if code, _, errOut := cli("serve", "--db", filepath.Join(t.TempDir(), "x.db"), "--tls-cert", certFile); code != 2 || !strings.Contains(errOut, "go together") {
		t.Errorf("serve --tls-cert without --tls-key: exit %d, %s", code, errOut)
	}
}

const plaintextWarning = "serving without TLS on a non-loopback address"

// TestPlaintextWarning: serving without TLS on an address other than
// loopback logs a warning; on loopback, or with TLS, it does not.
func TestPlaintextWarning(t *testing.T) {
	_, certFile, keyFile := makeCerts(t)
	for _, c := range []struct {
		name string
		args []string
		warn bool
	}{
		{"any address", []string{"--listen", "0.0.0.0:0"}, true},
		{"loopback", []string{"--listen", "127.0.0.1:0"}, false},
		{"any address with TLS", []string{"--listen", "0.0.0.0:0", "--tls-cert", certFile, "--tls-key", keyFile}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := serveInProcess(t, c.args...)
			logs := s.log.String()
			if strings.Contains(logs, plaintextWarning) != c.warn {
				t.Errorf("warning %v, want %v:\n%s", !c.warn, c.warn, logs)
			}
			if c.warn && !strings.Contains(logs, "level=WARN") {
				t.Errorf("the warning is not at level WARN:\n%s", logs)
			}
		})
	}
}

// TestLimitFlags: the limit flags of serve reach the server.
func TestLimitFlags(t *testing.T) {
	s := serveInProcess(t, "--listen", "127.0.0.1:0", "--max-page-size", "2", "--max-batch", "3",
		"--max-document-bytes", "1000", "--max-message-bytes", "100000")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := client.Dial(s.addr, client.WithToken(s.token))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range 3 {
		if _, err := c.Projects.CreateProject(ctx, &pb.CreateProjectRequest{Project: &pb.Project{Id: fmt.Sprintf("p%d", i)}}); err != nil {
			t.Fatal(err)
		}
	}
	ps, err := c.Projects.ListProjects(ctx, &pb.ListProjectsRequest{PageSize: 100})
	if err != nil || len(ps.GetProjects()) != 2 || ps.GetNextPageToken() == "" {
		t.Fatalf("--max-page-size 2: a page of %d projects, token %q, %v", len(ps.GetProjects()), ps.GetNextPageToken(), err)
	}
	if _, err := c.Documents.CreateDocument(ctx, &pb.CreateDocumentRequest{Document: &pb.Document{ProjectId: "p0", Id: "d", Text: strings.Repeat("x", 1000)}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.Documents.CreateDocument(ctx, &pb.CreateDocumentRequest{Document: &pb.Document{ProjectId: "p0", Id: "e", Text: strings.Repeat("x", 1001)}})
	if status.Code(err) != codes.ResourceExhausted {
		t.Errorf("--max-document-bytes 1000, a document of 1001: %v", err)
	}
	m := &pb.Annotation{ProjectId: "p0", DocumentId: "d", Body: &pb.Annotation_Mention{Mention: &pb.Mention{Label: "PER", Spans: []*pb.Span{{Start: 0, End: 1}}}}}
	if _, err := c.Annotations.BatchCreateAnnotations(ctx, &pb.BatchCreateAnnotationsRequest{Annotations: []*pb.Annotation{m, m, m}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.Annotations.BatchCreateAnnotations(ctx, &pb.BatchCreateAnnotationsRequest{Annotations: []*pb.Annotation{m, m, m, m}})
	if status.Code(err) != codes.ResourceExhausted {
		t.Errorf("--max-batch 3, a batch of 4: %v", err)
	}
	_, err = c.Projects.CreateProject(ctx, &pb.CreateProjectRequest{Project: &pb.Project{Id: "big", Description: strings.Repeat("x", 150000)}})
	if status.Code(err) != codes.ResourceExhausted {
		t.Errorf("--max-message-bytes 100000, a message of 150000 bytes: %v", err)
	}
	// Limits that cannot work are refused at the start.
	if code, _, errOut := cli("serve", "--db", filepath.Join(t.TempDir(), "x.db"), "--max-message-bytes", "1000"); code == 0 || !strings.Contains(errOut, "--max-message-bytes") {
		t.Errorf("serve --max-message-bytes 1000: exit %d, %s", code, errOut)
	}
}
