package eval

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// loadJSON decodes a file of testdata/ into v. The files are copies of the
// project's reference vectors (see testdata/README.md); tests never read
// /work/shared.
func loadJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// near fails the test when got is not within tol of want.
func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > tol {
		t.Errorf("%s = %.6f, want %.6f (±%g)", what, got, want, tol)
	}
}

// mustJSON fails the test if v cannot be sent as JSON (NaN or Inf inside).
func mustJSON(t *testing.T, v any) {
	t.Helper()
	if _, err := json.Marshal(v); err != nil {
		t.Errorf("result does not marshal to JSON: %v", err)
	}
}
