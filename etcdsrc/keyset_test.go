package etcdsrc

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestKeySetAgainstAMap drives a keySet and a map with the same random
// adds and removes (keys sharing prefixes, as etcd's do) and holds every
// answer and the final order against the map.
func TestKeySetAgainstAMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	key := func() string {
		return fmt.Sprintf("/registry/%s/ns-%d/obj-%d", []string{"pods", "secrets", "configmaps"}[r.IntN(3)], r.IntN(20), r.IntN(400))
	}
	s := &keySet{}
	model := map[string]bool{}
	for i := range 40_000 {
		k := key()
		if r.IntN(3) == 0 {
			if got, want := s.remove(k), model[k]; got != want {
				t.Fatalf("op %d: remove(%q) = %v, want %v", i, k, got, want)
			}
			delete(model, k)
		} else {
			if got, want := s.add(k), !model[k]; got != want {
				t.Fatalf("op %d: add(%q) = %v, want %v", i, k, got, want)
			}
			model[k] = true
		}
		if probe := key(); s.has(probe) != model[probe] {
			t.Fatalf("op %d: has(%q) = %v, want %v", i, probe, s.has(probe), model[probe])
		}
	}
	want := make([]string, 0, len(model))
	for k := range model {
		want = append(want, k)
	}
	slices.Sort(want)
	if got := s.keys(); !slices.Equal(got, want) {
		t.Fatalf("keys in order: %d keys, want %d; first differences %v", len(got), len(want), firstDiff(got, want))
	}
	if s.len() != len(want) {
		t.Errorf("len() = %d, want %d", s.len(), len(want))
	}
	for _, b := range s.blocks {
		if b.n > keyBlockMax || b.n == 0 {
			t.Fatalf("a block holds %d keys", b.n)
		}
	}
}

func firstDiff(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return fmt.Sprintf("at %d: %q vs %q", i, a[i], b[i])
		}
	}
	return "one is a prefix of the other"
}

func TestKeySetAppendSortedAndUnion(t *testing.T) {
	a, b := &keySet{}, &keySet{}
	var all []string
	for i := range 1000 {
		k := fmt.Sprintf("/k/%05d", i)
		all = append(all, k)
		switch i % 3 {
		case 0:
			a.appendSorted([]byte(k))
		case 1:
			b.appendSorted([]byte(k))
		default:
			a.appendSorted([]byte(k))
			b.appendSorted([]byte(k))
		}
	}
	// A change in between must not confuse the next append.
	a.remove("/k/00999")
	a.appendSorted([]byte("/k/00999"))
	u := unionKeys(a, b)
	if got := u.keys(); !slices.Equal(got, all) {
		t.Fatalf("union: %d keys, %v", len(got), firstDiff(got, all))
	}
	if !u.has("/k/00500") || u.has("/k/005") || u.has("/k/01000") {
		t.Error("has answers wrongly on the union")
	}
	if (&keySet{}).cursor().valid() {
		t.Error("an empty set's cursor shows a key")
	}
}

// TestKeySetMemory holds the cost per key of a Kubernetes-shaped prefix
// (50,000 pods in 50 namespaces) under 24 bytes; a plain map of strings
// takes about 80.
func TestKeySetMemory(t *testing.T) {
	s := &keySet{}
	var keys []string
	for ns := range 50 {
		for i := range 1000 {
			keys = append(keys, fmt.Sprintf("/registry/pods/team-%02d/web-%08x-%05x", ns, uint32(ns*7919+i/20)*2654435761, i*40503%1048576))
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		s.appendSorted([]byte(k))
	}
	perKey := float64(s.bytes()) / float64(s.len())
	t.Logf("%d keys of about %d bytes: %.1f bytes per key", s.len(), len(keys[0]), perKey)
	if perKey > 24 {
		t.Errorf("%.1f bytes per key, want at most 24", perKey)
	}
	// Updates keep it compact: remove and add back a tenth of the keys.
	for i := 0; i < len(keys); i += 10 {
		s.remove(keys[i])
	}
	for i := 0; i < len(keys); i += 10 {
		s.add(keys[i])
	}
	if perKey := float64(s.bytes()) / float64(s.len()); perKey > 30 {
		t.Errorf("after updates: %.1f bytes per key, want at most 30", perKey)
	}
}

func BenchmarkKeySetAdd(b *testing.B) {
	s := &keySet{}
	for i := range 100_000 {
		s.appendSorted(fmt.Appendf(nil, "/registry/pods/ns-%03d/pod-%06d", i/1000, i))
	}
	r := rand.New(rand.NewPCG(3, 4))
	b.ReportAllocs()
	for b.Loop() {
		k := fmt.Sprintf("/registry/pods/ns-%03d/pod-%06dx", r.IntN(100), r.IntN(100_000))
		s.add(k)
		s.remove(k)
	}
}
