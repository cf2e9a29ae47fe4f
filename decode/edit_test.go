package decode

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestExport(t *testing.T) {
	kv := fixtureKV(t, "/registry/deployments/shop/web")
	v := NewDecoder().Decode(kv.Key, kv.Value, metaOf(kv))
	if v.Err != nil {
		t.Fatal(v.Err)
	}
	out, err := Export(v.Object)
	if err != nil {
		t.Fatal(err)
	}
	got := mustParse(t, string(out))
	if got.get("status") != nil {
		t.Error("status kept")
	}
	md := got.get("metadata")
	for _, f := range []string{"resourceVersion", "uid", "creationTimestamp", "managedFields", "generation", "selfLink"} {
		if md.get(f) != nil {
			t.Errorf("metadata.%s kept", f)
		}
	}
	if md.getString("name") != "web" || md.getString("namespace") != "shop" || got.get("spec") == nil {
		t.Errorf("export dropped what a re-create needs: %s", out)
	}
	if !strings.HasPrefix(string(out), `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop","labels":`) {
		t.Errorf("order not kept: %.120s", out)
	}
	if _, err := Export(json.RawMessage(`[1]`)); err == nil {
		t.Error("Export accepted an array")
	}
	if _, err := Export(json.RawMessage(`{"a":`)); err == nil {
		t.Error("Export accepted broken json")
	}
}

func TestMaskSecrets(t *testing.T) {
	const secret = `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","annotations":{"a":"keep",` +
		`"kubectl.kubernetes.io/last-applied-configuration":"{\"data\":{\"password\":\"aHVudGVyMg==\"}}"}},` +
		`"data":{"password":"aHVudGVyMg==","user":"YWRtaW4="},"stringData":{"token":"t0k"},"type":"Opaque"}`
	cases := []struct {
		name, in, want string
		masked         bool
	}{
		{"secret", secret, `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","annotations":{"a":"keep",` +
			`"kubectl.kubernetes.io/last-applied-configuration":"` + SecretMask + `"}},` +
			`"data":{"password":"` + SecretMask + `","user":"` + SecretMask + `"},"stringData":{"token":"` + SecretMask + `"},"type":"Opaque"}`, true},
		{"empty secret", `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"type":"Opaque"}`,
			`{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"type":"Opaque"}`, false},
		{"configmap", `{"apiVersion":"v1","kind":"ConfigMap","data":{"password":"x"}}`,
			`{"apiVersion":"v1","kind":"ConfigMap","data":{"password":"x"}}`, false},
		{"other group", `{"apiVersion":"x/v1","kind":"Secret","data":{"password":"x"}}`,
			`{"apiVersion":"x/v1","kind":"Secret","data":{"password":"x"}}`, false},
		{"broken", `{"apiVersion":`, `{"apiVersion":`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, masked := maskSecrets(json.RawMessage(c.in))
			if string(out) != c.want || masked != c.masked {
				t.Errorf("maskSecrets = %s, %v\nwant           %s, %v", out, masked, c.want, c.masked)
			}
			if masked && strings.Contains(string(out), "aHVudGVyMg") {
				t.Error("secret data left visible")
			}
		})
	}
}

func TestFoldManagedFields(t *testing.T) {
	kv := fixtureKV(t, "/registry/pods/shop/web-6bbcb4d55f-5z72c")
	v := NewDecoder().Decode(kv.Key, kv.Value, metaOf(kv))
	want := len(mustParse(t, string(v.Object)).get("metadata").get("managedFields").items)
	if want == 0 {
		t.Fatal("fixture pod has no managedFields")
	}
	out, n := foldManagedFields(v.Object)
	if n != want {
		t.Errorf("foldManagedFields counted %d, want %d", n, want)
	}
	if strings.Contains(string(out), "managedFields") || !strings.Contains(string(out), `"name":"web-6bbcb4d55f-5z72c"`) {
		t.Errorf("folded: %.200s", out)
	}
	again, n := foldManagedFields(out)
	if n != 0 || string(again) != string(out) {
		t.Errorf("second fold changed the document or counted %d", n)
	}
}

func TestCreationTime(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want time.Time
	}{
		{"object", `{"metadata":{"name":"a","creationTimestamp":"2026-11-25T04:02:19Z"}}`, time.Date(2026, 11, 25, 4, 2, 19, 0, time.UTC)},
		{"no timestamp", `{"metadata":{"name":"a"}}`, time.Time{}},
		{"not an object", `"text"`, time.Time{}},
		{"nil", ``, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CreationTime(json.RawMessage(tt.doc)); !got.Equal(tt.want) {
				t.Fatalf("CreationTime = %v, want %v", got, tt.want)
			}
		})
	}
}
