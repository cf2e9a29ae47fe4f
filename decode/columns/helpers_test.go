package columns

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/decode/encryption"
	"github.com/etcdscope/etcdscope/decode/fixture"
)

// now is the time the tests look at the fixture from: the fixture's
// objects were created at 2026-11-25T04:02:xxZ, so most are 57m old.
var now = time.Date(2026, 11, 25, 5, 0, 0, 0, time.UTC)

// fixtureSet is the fixture's live keys decoded as the explorer decodes
// them: with the fixture's encryption config, so Secrets and the
// secretbox-encrypted custom resources are readable.
type fixtureSet struct {
	keys    []string
	kvs     map[string]fixture.KV
	values  map[string]decode.Value
	catalog *decode.Catalog
	dec     *decode.Decoder
	config  *encryption.Config
}

var (
	fixturesOnce sync.Once
	fixturesSet  *fixtureSet
	fixturesErr  error
)

// fixtures loads and decodes the fixture once for the package.
func fixtures(t testing.TB) *fixtureSet {
	t.Helper()
	fixturesOnce.Do(func() {
		cfg, err := encryption.LoadConfig(fixture.EncryptionConfigPath())
		if err != nil {
			fixturesErr = err
			return
		}
		kvs, err := fixture.KVs()
		if err != nil {
			fixturesErr = err
			return
		}
		fs := &fixtureSet{
			kvs:     map[string]fixture.KV{},
			values:  map[string]decode.Value{},
			catalog: decode.NewCatalog(),
			dec:     decode.NewDecoder(decode.WithDecrypter(cfg)),
			config:  cfg,
		}
		for _, kv := range kvs {
			v := fs.dec.Decode(kv.Key, kv.Value, &decode.KeyMeta{CreateRevision: kv.CreateRevision, ModRevision: kv.ModRevision, Version: kv.Version})
			fs.keys = append(fs.keys, kv.Key)
			fs.kvs[kv.Key] = kv
			fs.values[kv.Key] = v
			if strings.HasPrefix(kv.Key, "/registry/apiextensions.k8s.io/customresourcedefinitions/") {
				if err := fs.catalog.AddCRD(v.Object); err != nil {
					fixturesErr = err
					return
				}
			}
		}
		fixturesSet = fs
	})
	if fixturesErr != nil {
		t.Fatal(fixturesErr)
	}
	return fixturesSet
}

// value returns the decoded fixture value of key.
func (fs *fixtureSet) value(t testing.TB, key string) decode.Value {
	t.Helper()
	v, ok := fs.values[key]
	if !ok {
		t.Fatalf("no fixture key %s", key)
	}
	return v
}

// kind returns the catalog's kind for a key.
func (fs *fixtureSet) kind(t testing.TB, key string) decode.Kind {
	t.Helper()
	_, k, ok := fs.catalog.ParseKey(key, "")
	if !ok {
		t.Fatalf("no kind for %s", key)
	}
	return k
}

// cells maps a row's headers to its cells.
func cells(tab *Table, row []Cell) map[string]Cell {
	m := map[string]Cell{}
	for i, c := range tab.Columns() {
		if _, dup := m[c.Name]; !dup {
			m[c.Name] = row[i]
		}
	}
	return m
}

// wantCells fails unless every header in want has that text.
func wantCells(t *testing.T, tab *Table, row []Cell, want map[string]string) {
	t.Helper()
	got := cells(tab, row)
	for h, w := range want {
		c, ok := got[h]
		if !ok {
			t.Errorf("no column %s (have %v)", h, headers(tab))
			continue
		}
		if c.Text != w {
			t.Errorf("%s = %q, want %q", h, c.Text, w)
		}
	}
}

// headers are a table's column names.
func headers(tab *Table) []string {
	var hs []string
	for _, c := range tab.Columns() {
		hs = append(hs, c.Name)
	}
	return hs
}

// patched returns the fixture value of key with patch (a JSON merge
// patch, RFC 7386) applied to its object: real stored objects with the
// status a kubelet or controller would have written, which the
// fixture's cluster (no kubelet) never got.
func (fs *fixtureSet) patched(t testing.TB, key, patch string) decode.Value {
	t.Helper()
	v := fs.value(t, key)
	// Numbers stay json.Number, so big integers survive the round trip.
	var obj, p any
	if err := exactJSON(v.Object, &obj); err != nil {
		t.Fatal(err)
	}
	if err := exactJSON([]byte(patch), &p); err != nil {
		t.Fatalf("patch: %v", err)
	}
	b, err := json.Marshal(mergePatch(obj, p))
	if err != nil {
		t.Fatal(err)
	}
	v.Object = b
	return v
}

// exactJSON decodes JSON keeping numbers as json.Number.
func exactJSON(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return d.Decode(v)
}

// mergePatch applies a JSON merge patch: objects merge, null deletes,
// anything else replaces.
func mergePatch(doc, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	d, ok := doc.(map[string]any)
	if !ok {
		d = map[string]any{}
	}
	for k, pv := range p {
		if pv == nil {
			delete(d, k)
			continue
		}
		d[k] = mergePatch(d[k], pv)
	}
	return d
}

// ago is the RFC 3339 time d before now.
func ago(d time.Duration) string { return now.Add(-d).Format(time.RFC3339) }
