package selector_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/decode/fixture"
	"github.com/etcdscope/etcdscope/decode/selector"
)

func kindOf(t *testing.T, query string) *decode.Kind {
	t.Helper()
	k, err := decode.NewCatalog().Lookup(query)
	if err != nil {
		t.Fatal(err)
	}
	return &k
}

func TestParse(t *testing.T) {
	pods := kindOf(t, "pods")
	cases := []struct {
		name, labels, fields string
		kind                 *decode.Kind
		err                  string // "" when it parses
	}{
		{"nothing", "", "", nil, ""},
		{"labels", "app=web,tier in (a,b),!canary", "", nil, ""},
		{"names anywhere", "", "metadata.name=x,metadata.namespace!=y", nil, ""},
		{"phase of pods", "", "status.phase=Running", pods, ""},
		{"bad labels", "app=(", "", nil, "-l"},
		{"bad fields", "", "metadata.name", nil, "--field-selector"},
		{"another field", "", "spec.nodeName=n1", pods, `"spec.nodeName" is not a field`},
		{"phase of a kind without one", "", "status.phase=Running", kindOf(t, "deploy"), "deployments.apps have no status.phase"},
		{"phase of several kinds", "", "status.phase=Running", nil, "objects of one kind"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := selector.Parse(c.labels, c.fields, c.kind)
			switch {
			case c.err == "" && err != nil:
				t.Fatalf("error %v", err)
			case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
				t.Fatalf("error %v, want one with %q", err, c.err)
			case c.err == "" && s.Empty() != (c.labels == "" && c.fields == ""):
				t.Fatalf("Empty() is %v for %q %q", s.Empty(), c.labels, c.fields)
			}
		})
	}
}

func TestPhaseResources(t *testing.T) {
	got := selector.PhaseResources()
	for _, want := range []string{"pods", "namespaces", "persistentvolumes", "persistentvolumeclaims"} {
		if !slices.Contains(got, want) {
			t.Errorf("%s have a status.phase; PhaseResources() is %v", want, got)
		}
	}
	for _, not := range []string{"deployments.apps", "configmaps", "services"} {
		if slices.Contains(got, not) {
			t.Errorf("%s have no status.phase; PhaseResources() is %v", not, got)
		}
	}
}

func TestMatch(t *testing.T) {
	kvs, err := fixture.KVs()
	if err != nil {
		t.Fatal(err)
	}
	value := func(key string) []byte {
		for _, kv := range kvs {
			if kv.Key == key {
				return kv.Value
			}
		}
		t.Fatalf("no fixture key %s", key)
		return nil
	}
	dec := decode.NewDecoder()
	web := "/registry/pods/shop/web-6bbcb4d55f-5z72c"
	secret := "/registry/secrets/shop/db-credentials" // aescbc, no key to read it with
	cases := []struct {
		labels, fields string
		key            string
		matched, isObj bool
	}{
		{"app=web", "", web, true, true},
		{"app=db", "", web, false, true},
		{"app", "metadata.namespace=shop", web, true, true},
		{"", "metadata.name=web-6bbcb4d55f-5z72c", web, true, true},
		{"", "metadata.namespace!=shop", web, false, true},
		{"", "status.phase=Pending", web, true, true},
		{"app=web", "status.phase!=Pending", web, false, true},
		{"x!=y", "", secret, false, false},
		{"", "", secret, true, true},
	}
	for _, c := range cases {
		s, err := selector.Parse(c.labels, c.fields, kindOf(t, "pods"))
		if err != nil {
			t.Fatal(err)
		}
		matched, isObj := s.Match(dec, c.key, value(c.key))
		if matched != c.matched || isObj != c.isObj {
			t.Errorf("-l %q --field-selector %q on %s: matched %v, object %v", c.labels, c.fields, c.key, matched, isObj)
		}
	}
}
