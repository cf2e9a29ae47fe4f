package decode

import "testing"

// TestGoldenUnknownTypeDocument shows what a person reads of a type this
// build does not know: the decoded metadata, then the other fields raw,
// named by convention.
func TestGoldenUnknownTypeDocument(t *testing.T) {
	svc := fixtureKV(t, "/registry/services/specs/shop/web")
	v := NewDecoder().Decode("/registry/routes/shop/web", envelope(t, svc.Value, "route.openshift.io/v1", "Route"), metaOf(svc))
	if v.Err != nil || !v.IsPartial() {
		t.Fatalf("err %v, partial %v", v.Err, v.IsPartial())
	}
	out, err := YAML(v.UnknownTypeDocument())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "unknown-type-document.yaml", out)
}
