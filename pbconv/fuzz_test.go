package pbconv

import (
	"encoding/json"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/scholia-nlp/scholia"
	pb "github.com/scholia-nlp/scholia/gen/scholia/v1"
)

// FuzzSchemaFromPB parses any bytes as a Schema message in the protobuf
// JSON mapping (what `project create --schema` and gRPC clients send),
// converts it to the domain type and indexes it. Nothing panics; a schema
// that Index accepts converts back to the same message, and survives the
// JSON round trip of storage.
func FuzzSchemaFromPB(f *testing.F) {
	news, err := protojson.Marshal(SchemaToPB(scholia.NewsSchema()))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(news)
	f.Add([]byte(`{"entityTypes":[{"name":"PER"}],"eventTypes":[{"name":"Meet","roles":[{"name":"Entity","fillerTypes":["PER"]}]}],"attributes":[{"name":"realis","appliesTo":["ANNOTATION_KIND_EVENT"],"values":["ACTUAL"]}],"relationTypes":[{"name":"Supports","sourceKinds":["ANNOTATION_KIND_CLAIM"],"targetKinds":[3]}]}`))
	f.Add([]byte(`{"attributes":[{"name":"x","appliesTo":[257]}],"relationTypes":[{"name":"R","sourceKinds":[-255]}]}`))
	f.Add([]byte(`{"entityTypes":[{"name":"PER"},{"name":"PER"}],"claimStances":["a","a"]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var m pb.Schema
		if protojson.Unmarshal(data, &m) != nil {
			return
		}
		s := SchemaFromPB(&m)
		x, err := s.Index()
		if err != nil {
			return
		}
		for _, a := range s.Attributes {
			for _, k := range a.AppliesTo {
				if !k.Valid() {
					t.Fatalf("attribute %q applies to kind %d", a.Name, k)
				}
			}
		}
		_ = x
		if back := SchemaToPB(s); !proto.Equal(back, &m) {
			t.Fatalf("an accepted schema changed in conversion:\n in %v\nout %v", &m, back)
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var s2 scholia.Schema
		if err := json.Unmarshal(b, &s2); err != nil {
			t.Fatal(err)
		}
		if _, err := s2.Index(); err != nil {
			t.Fatalf("an accepted schema is refused after the JSON round trip of storage: %v", err)
		}
		if back := SchemaToPB(&s2); !proto.Equal(back, &m) {
			t.Fatalf("an accepted schema changed in storage:\n in %v\nout %v", &m, back)
		}
	})
}
