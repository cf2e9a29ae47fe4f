package decode

import (
	"encoding/json"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	apiextensionsscheme "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset/scheme"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
	aggregatorscheme "k8s.io/kube-aggregator/pkg/client/clientset_generated/clientset/scheme"

	"github.com/etcdscope/etcdscope/decode/fixture"
)

// catFixtureCRDs returns the stored CRD objects of the fixture, by name.
func catFixtureCRDs(t testing.TB) map[string]json.RawMessage {
	t.Helper()
	kvs, err := fixture.KVs()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]json.RawMessage{}
	const prefix = "/registry/apiextensions.k8s.io/customresourcedefinitions/"
	for _, kv := range kvs {
		if name, ok := strings.CutPrefix(kv.Key, prefix); ok {
			out[name] = kv.Value
		}
	}
	if len(out) != 5 {
		t.Fatalf("fixture has %d CRDs, want 5", len(out))
	}
	return out
}

// catFixtureCatalog is the built-in catalog plus the fixture's CRDs.
func catFixtureCatalog(t testing.TB) *Catalog {
	t.Helper()
	c := NewCatalog()
	for name, obj := range catFixtureCRDs(t) {
		if err := c.AddCRD(obj); err != nil {
			t.Fatalf("AddCRD(%s): %v", name, err)
		}
	}
	return c
}

// catSchemes are the schemes of every group kube-apiserver serves.
func catSchemes() []*runtime.Scheme {
	return []*runtime.Scheme{scheme.Scheme, apiextensionsscheme.Scheme, aggregatorscheme.Scheme}
}

// TestBuiltinsInScheme holds every row of the table against the schemes
// of k8s.io/api, apiextensions and kube-aggregator, so a kind or version
// that goes away fails here rather than in the field.
func TestBuiltinsInScheme(t *testing.T) {
	for _, k := range catBuiltins {
		if k.Kind == "RangeAllocation" {
			// Registered in the API server's internal scheme only; the
			// fixture test holds it against real data.
			continue
		}
		gvk := schema.GroupVersionKind{Group: k.Group, Version: k.Version, Kind: k.Kind}
		found := false
		for _, s := range catSchemes() {
			found = found || s.Recognizes(gvk)
		}
		if !found {
			t.Errorf("%s: %v is in no scheme", k.Prefix, gvk)
		}
	}
	for _, a := range catAltGroups {
		gvk := schema.GroupVersionKind{Group: a.group, Version: a.version, Kind: a.kind}
		if !scheme.Scheme.Recognizes(gvk) {
			t.Errorf("alternative group %v is not in the scheme", gvk)
		}
	}
}

// catNotStored are the object kinds of the schemes that kube-apiserver
// does not persist under their own group: reviews and requests answered
// on the fly, subresources, and the extensions group whose resources are
// stored as apps and networking.k8s.io kinds.
var catNotStored = map[string]bool{
	"/Binding":          true,
	"/ComponentStatus":  true,
	"apps/Scale":        true,
	"autoscaling/Scale": true,
	"policy/Eviction":   true,
	"authentication.k8s.io/SelfSubjectReview":       true,
	"authentication.k8s.io/TokenRequest":            true,
	"authentication.k8s.io/TokenReview":             true,
	"authorization.k8s.io/LocalSubjectAccessReview": true,
	"authorization.k8s.io/SelfSubjectAccessReview":  true,
	"authorization.k8s.io/SelfSubjectRulesReview":   true,
	"authorization.k8s.io/SubjectAccessReview":      true,
	"extensions/DaemonSet":                          true,
	"extensions/Deployment":                         true,
	"extensions/Ingress":                            true,
	"extensions/NetworkPolicy":                      true,
	"extensions/ReplicaSet":                         true,
	"extensions/Scale":                              true,
}

// TestSchemeKindsInTable fails when a new k8s.io/api adds an object kind
// the table does not place, so the table cannot go stale silently.
func TestSchemeKindsInTable(t *testing.T) {
	inTable := map[string]bool{}
	for _, k := range catBuiltins {
		inTable[k.Group+"/"+k.Kind] = true
	}
	for _, a := range catAltGroups {
		inTable[a.group+"/"+a.kind] = true
	}
	seen := map[string]bool{}
	for _, s := range catSchemes() {
		for gvk, typ := range s.AllKnownTypes() {
			if gvk.Version == runtime.APIVersionInternal {
				continue
			}
			v := reflect.New(typ).Interface()
			if _, ok := v.(metav1.Object); !ok {
				continue
			}
			if _, ok := v.(metav1.ListInterface); ok {
				continue
			}
			gk := gvk.Group + "/" + gvk.Kind
			if seen[gk] {
				continue
			}
			seen[gk] = true
			if !inTable[gk] && !catNotStored[gk] {
				t.Errorf("%s (%s) is neither in the table nor known as not stored", gk, gvk.Version)
			}
		}
	}
	for gk := range catNotStored {
		if !seen[gk] {
			t.Errorf("%s is listed as not stored but is in no scheme", gk)
		}
	}
}

// TestBuiltinsCoverFixture checks that every kind the fixture's API server
// stored is in the table at the version it stored, and that the table's
// prefixes are the ones it used.
func TestBuiltinsCoverFixture(t *testing.T) {
	exp, err := fixture.ExpectedObjects()
	if err != nil {
		t.Fatal(err)
	}
	byKind := map[string]Kind{}
	for _, k := range append(slices.Clone(catBuiltins), catLeaseKinds...) {
		byKind[k.Prefix] = k
	}
	seen := map[string]bool{}
	for _, e := range exp {
		kp := ParseKey(e.Key, DefaultRoot)
		k, ok := byKind[kp.Prefix]
		if !ok && strings.Contains(kp.Group, ".") && kp.Prefix == kp.Group+"/"+kp.Resource {
			continue // a custom resource
		}
		if !ok {
			t.Errorf("%s: prefix %q is not in the table", e.Key, kp.Prefix)
			continue
		}
		if k.APIVersion() != e.APIVersion || k.Kind != e.Kind {
			t.Errorf("%s: table has %s %s, stored as %s %s", e.Key, k.APIVersion(), k.Kind, e.APIVersion, e.Kind)
		}
		seen[k.Prefix] = true
	}
	// Kinds the fixture's API server did not leave behind.
	absent := map[string]bool{"leasecandidates": true, "masterleases": true}
	for p := range byKind {
		if !seen[p] && !absent[p] {
			t.Errorf("table prefix %q has no fixture key", p)
		}
	}
}

func TestBuiltinNamesUnique(t *testing.T) {
	prefixes := map[string]bool{}
	for _, k := range catBuiltins {
		if prefixes[k.Prefix] {
			t.Errorf("prefix %q twice", k.Prefix)
		}
		prefixes[k.Prefix] = true
		if k.Resource != strings.ToLower(k.Resource) || k.Prefix != strings.Trim(k.Prefix, "/") || k.CRD {
			t.Errorf("bad row %+v", k)
		}
	}
}

// TestLookupBuiltins looks every built-in up by every name it has.
func TestLookupBuiltins(t *testing.T) {
	c := NewCatalog()
	for _, k := range catBuiltins {
		names := []string{k.Kind, k.Resource, k.Singular, strings.ToUpper(k.Resource)}
		names = append(names, k.ShortNames...)
		if k.Group != "" {
			names = append(names,
				k.Resource+"."+k.Group,
				k.Kind+"."+k.Group,
				k.Kind+"."+k.Version+"."+k.Group,
				strings.ToUpper(k.Resource+"."+k.Group))
		}
		for _, n := range names {
			got, err := c.Lookup(n)
			if err != nil {
				t.Errorf("Lookup(%q): %v", n, err)
				continue
			}
			if got.Prefix != k.Prefix {
				t.Errorf("Lookup(%q) = %s, want %s", n, got.Prefix, k.Prefix)
			}
		}
	}
}

func TestLookup(t *testing.T) {
	c := catFixtureCatalog(t)
	tests := []struct {
		query, wantPrefix, wantErr string
	}{
		{query: "po", wantPrefix: "pods"},
		{query: "Pod", wantPrefix: "pods"},
		{query: "PODS", wantPrefix: "pods"},
		{query: " pods ", wantPrefix: "pods"},
		{query: "deploy", wantPrefix: "deployments"},
		{query: "deployments.apps", wantPrefix: "deployments"},
		{query: "Deployment.v1.apps", wantPrefix: "deployments"},
		{query: "deployment.apps", wantPrefix: "deployments"},
		{query: "deployments.v1.apps", wantPrefix: "deployments"},
		{query: "svc", wantPrefix: "services/specs"},
		{query: "ep", wantPrefix: "services/endpoints"},
		{query: "endpoints", wantPrefix: "services/endpoints"},
		{query: "no", wantPrefix: "minions"},
		{query: "rc", wantPrefix: "controllers"},
		{query: "ing", wantPrefix: "ingress"},
		{query: "ingresses.networking.k8s.io", wantPrefix: "ingress"},
		{query: "crd", wantPrefix: "apiextensions.k8s.io/customresourcedefinitions"},
		{query: "crds", wantPrefix: "apiextensions.k8s.io/customresourcedefinitions"},
		{query: "customresourcedefinitions.apiextensions.k8s.io", wantPrefix: "apiextensions.k8s.io/customresourcedefinitions"},
		{query: "apiservices", wantPrefix: "apiregistration.k8s.io/apiservices"},
		{query: "Secret", wantPrefix: "secrets"},
		// events: core and events.k8s.io share one storage prefix.
		{query: "events", wantPrefix: "events"},
		{query: "ev", wantPrefix: "events"},
		{query: "Event", wantPrefix: "events"},
		{query: "events.events.k8s.io", wantPrefix: "events"},
		{query: "Event.v1.events.k8s.io", wantPrefix: "events"},
		// CRDs from the fixture.
		{query: "foos.cr.bar.com", wantPrefix: "cr.bar.com/foos"},
		{query: "FOOS.CR.BAR.COM", wantPrefix: "cr.bar.com/foos"},
		{query: "foos", wantPrefix: "cr.bar.com/foos"},
		{query: "foo", wantPrefix: "cr.bar.com/foos"},
		{query: "Foo", wantPrefix: "cr.bar.com/foos"},
		{query: "Foo.v1.cr.bar.com", wantPrefix: "cr.bar.com/foos"},
		{query: "pants", wantPrefix: "custom.fancy.com/pants"},
		{query: "Pant.custom.fancy.com", wantPrefix: "custom.fancy.com/pants"},
		{query: "pandas.awesome.bears.com", wantPrefix: "awesome.bears.com/pandas"},
		{query: "integer", wantPrefix: "random.numbers.com/integers"},
		{query: "openshiftwebconsoleconfigs.webconsole2.operator.openshift.io", wantPrefix: "webconsole2.operator.openshift.io/openshiftwebconsoleconfigs"},
		{query: "widgets", wantErr: `unknown resource kind "widgets"`},
		{query: "pods.x.example.com", wantErr: `unknown resource kind "pods.x.example.com"`},
		{query: "", wantErr: "empty resource kind"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got, err := c.Lookup(tt.query)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Lookup(%q) = %+v, %v; want error %q", tt.query, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got.Prefix != tt.wantPrefix {
				t.Fatalf("Lookup(%q) = %q, %v; want %q", tt.query, got.Prefix, err, tt.wantPrefix)
			}
		})
	}
}

func TestFixtureCRDKinds(t *testing.T) {
	c := catFixtureCatalog(t)
	want := map[string]Kind{
		"cr.bar.com/foos": {Group: "cr.bar.com", Version: "v1", Kind: "Foo", Resource: "foos", Singular: "foo",
			Namespaced: true, Prefix: "cr.bar.com/foos", CRD: true},
		"custom.fancy.com/pants": {Group: "custom.fancy.com", Version: "v2", Kind: "Pant", Resource: "pants", Singular: "pant",
			Prefix: "custom.fancy.com/pants", CRD: true},
		// v1 is the storage version; v3 is served too.
		"awesome.bears.com/pandas": {Group: "awesome.bears.com", Version: "v1", Kind: "Panda", Resource: "pandas", Singular: "panda",
			Prefix: "awesome.bears.com/pandas", CRD: true},
		"random.numbers.com/integers": {Group: "random.numbers.com", Version: "v1", Kind: "Integer", Resource: "integers", Singular: "integer",
			Prefix: "random.numbers.com/integers", CRD: true},
		"webconsole2.operator.openshift.io/openshiftwebconsoleconfigs": {Group: "webconsole2.operator.openshift.io", Version: "v1alpha1",
			Kind: "OpenShiftWebConsoleConfig", Resource: "openshiftwebconsoleconfigs", Singular: "openshiftwebconsoleconfig",
			Prefix: "webconsole2.operator.openshift.io/openshiftwebconsoleconfigs", CRD: true},
	}
	for p, w := range want {
		got, ok := c.ForPrefix(p)
		if !ok || !reflect.DeepEqual(got, w) {
			t.Errorf("ForPrefix(%q) = %+v, %v\nwant %+v", p, got, ok, w)
		}
	}
	kinds := c.Kinds()
	if len(kinds) != len(catBuiltins)+len(want) {
		t.Errorf("Kinds() has %d, want %d", len(kinds), len(catBuiltins)+len(want))
	}
	if !sort.SliceIsSorted(kinds, func(i, j int) bool { return kinds[i].Prefix < kinds[j].Prefix }) {
		t.Error("Kinds() is not sorted by prefix")
	}
}

// catCRDJSON builds a v1 CRD object as an API server stores it.
func catCRDJSON(group, plural, kind, scope string, short ...string) json.RawMessage {
	obj := map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1",
		"kind":       "CustomResourceDefinition",
		"metadata":   map[string]any{"name": plural + "." + group},
		"spec": map[string]any{
			"group": group,
			"names": map[string]any{"plural": plural, "kind": kind, "shortNames": short},
			"scope": scope,
			"versions": []any{
				map[string]any{"name": "v1beta1", "served": true, "storage": false},
				map[string]any{"name": "v2", "served": true, "storage": true},
			},
		},
	}
	b, err := json.Marshal(obj)
	if err != nil {
		panic(err)
	}
	return b
}

func TestCRDShadowsBuiltin(t *testing.T) {
	c := NewCatalog()
	if err := c.AddCRD(catCRDJSON("x.example.com", "pods", "Pod", "Namespaced", "po", "xp")); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"pods", "pod", "Pod", "po"} {
		k, err := c.Lookup(q)
		if err != nil || k.CRD || k.Prefix != "pods" {
			t.Errorf("Lookup(%q) = %+v, %v; want core pods", q, k, err)
		}
	}
	for _, q := range []string{"pods.x.example.com", "Pod.x.example.com", "pod.v2.x.example.com", "xp"} {
		k, err := c.Lookup(q)
		if err != nil || !k.CRD || k.Prefix != "x.example.com/pods" || k.Version != "v2" || k.Singular != "pod" {
			t.Errorf("Lookup(%q) = %+v, %v; want the CRD", q, k, err)
		}
	}
	kp, k, ok := c.ParseKey("/registry/x.example.com/pods/ns/p", DefaultRoot)
	if !ok || !k.CRD || kp.Namespace != "ns" || kp.Name != "p" {
		t.Errorf("ParseKey = %+v, %+v, %v", kp, k, ok)
	}
}

func TestLookupAmbiguous(t *testing.T) {
	c := NewCatalog()
	for _, g := range []string{"b.example.com", "a.example.com"} {
		if err := c.AddCRD(catCRDJSON(g, "widgets", "Widget", "Cluster")); err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.Lookup("Widget")
	const want = `ambiguous resource kind "Widget": widgets.a.example.com, widgets.b.example.com`
	if err == nil || err.Error() != want {
		t.Fatalf("Lookup(Widget) error = %v, want %q", err, want)
	}
	k, err := c.Lookup("widgets.b.example.com")
	if err != nil || k.Group != "b.example.com" || k.Namespaced {
		t.Fatalf("Lookup(widgets.b.example.com) = %+v, %v", k, err)
	}
}

func TestAddCRDReplaces(t *testing.T) {
	c := NewCatalog()
	if err := c.AddCRD(catCRDJSON("a.example.com", "widgets", "Widget", "Cluster", "wd")); err != nil {
		t.Fatal(err)
	}
	if err := c.AddCRD(catCRDJSON("a.example.com", "widgets", "Widget", "Namespaced", "wg")); err != nil {
		t.Fatal(err)
	}
	k, err := c.Lookup("wg")
	if err != nil || !k.Namespaced {
		t.Fatalf("Lookup(wg) = %+v, %v", k, err)
	}
	if _, err := c.Lookup("wd"); err == nil {
		t.Fatal("the replaced CRD's short name still resolves")
	}
	if n := len(c.Kinds()); n != len(catBuiltins)+1 {
		t.Fatalf("Kinds() has %d, want %d", n, len(catBuiltins)+1)
	}
}

func TestAddCRDErrors(t *testing.T) {
	tests := []struct {
		name, obj, wantErr string
	}{
		{"not JSON", `k8s` + "\x00", "add crd: invalid character"},
		{"not a CRD", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}}`,
			`add crd "p": not a CustomResourceDefinition (apiVersion "v1", kind "Pod")`},
		{"no names", `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"x"},"spec":{"group":"g.io"}}`,
			`add crd "x": spec.group, spec.names.plural and spec.names.kind are required`},
		{"bad scope", `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"xs.g.io"},"spec":{"group":"g.io","names":{"plural":"xs","kind":"X"},"scope":"Galaxy","versions":[{"name":"v1","storage":true}]}}`,
			`add crd "xs.g.io": unknown scope "Galaxy"`},
		{"no storage version", `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"xs.g.io"},"spec":{"group":"g.io","names":{"plural":"xs","kind":"X"},"scope":"Cluster","versions":[{"name":"v1","storage":false}]}}`,
			`add crd "xs.g.io": no storage version`},
		{"built-in collision", string(catCRDJSON("apiregistration.k8s.io", "apiservices", "APIService", "Cluster")),
			`add crd "apiservices.apiregistration.k8s.io": apiservices.apiregistration.k8s.io is a built-in resource`},
		{"wrong field type", `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","spec":{"group":7}}`,
			"add crd: json: cannot unmarshal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCatalog()
			err := c.AddCRD(json.RawMessage(tt.obj))
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Fatalf("AddCRD error = %v, want %q", err, tt.wantErr)
			}
			if n := len(c.Kinds()); n != len(catBuiltins) {
				t.Fatalf("a failed AddCRD changed the catalog: %d kinds", n)
			}
		})
	}
}

// TestAddCRDV1beta1Version reads a v1beta1 CRD with only spec.version, as
// older clusters stored them.
func TestAddCRDV1beta1Version(t *testing.T) {
	c := NewCatalog()
	obj := `{"apiVersion":"apiextensions.k8s.io/v1beta1","kind":"CustomResourceDefinition","metadata":{"name":"olds.g.io"},` +
		`"spec":{"group":"g.io","version":"v1alpha1","names":{"plural":"olds","kind":"Old"}}}`
	if err := c.AddCRD(json.RawMessage(obj)); err != nil {
		t.Fatal(err)
	}
	k, err := c.Lookup("old")
	if err != nil || k.Version != "v1alpha1" || !k.Namespaced || k.APIVersion() != "g.io/v1alpha1" || k.GroupResource() != "olds.g.io" {
		t.Fatalf("Lookup(old) = %+v, %v", k, err)
	}
}

func TestForPrefix(t *testing.T) {
	c := NewCatalog()
	tests := []struct {
		prefix, wantKind string
		wantOK           bool
	}{
		{"deployments", "Deployment", true},
		{"/services/specs/", "Service", true},
		{"minions", "Node", true},
		{"masterleases", "Endpoints", true},
		{"ranges", "RangeAllocation", true},
		{"services", "", false},
		{"cr.bar.com/foos", "", false},
	}
	for _, tt := range tests {
		k, ok := c.ForPrefix(tt.prefix)
		if ok != tt.wantOK || k.Kind != tt.wantKind {
			t.Errorf("ForPrefix(%q) = %s, %v; want %s, %v", tt.prefix, k.Kind, ok, tt.wantKind, tt.wantOK)
		}
	}
}

func TestKindNames(t *testing.T) {
	c := NewCatalog()
	for q, want := range map[string][2]string{
		"pods":        {"v1", "pods"},
		"deployments": {"apps/v1", "deployments.apps"},
		"crd":         {"apiextensions.k8s.io/v1beta1", "customresourcedefinitions.apiextensions.k8s.io"},
	} {
		k, err := c.Lookup(q)
		if err != nil || k.APIVersion() != want[0] || k.GroupResource() != want[1] {
			t.Errorf("%s: %q %q, %v; want %q", q, k.APIVersion(), k.GroupResource(), err, want)
		}
	}
}

// TestCatalogCopies checks that a caller changing a returned Kind does
// not change the catalog.
func TestCatalogCopies(t *testing.T) {
	c := NewCatalog()
	k, _ := c.Lookup("po")
	k.ShortNames[0] = "xx"
	c.Kinds()[0].ShortNames[0] = "yy"
	_, pk, _ := c.ParseKey("/registry/apiextensions.k8s.io/customresourcedefinitions/x", DefaultRoot)
	_ = append(pk.ShortNames, "zz")
	for q, want := range map[string][]string{"po": {"po"}, "crd": {"crd", "crds"}} {
		if k2, err := c.Lookup(q); err != nil || !slices.Equal(k2.ShortNames, want) {
			t.Errorf("catalog changed through a returned Kind: %+v, %v", k2, err)
		}
	}
	for _, q := range []string{"xx", "yy", "zz"} {
		if _, err := c.Lookup(q); err == nil {
			t.Errorf("%s resolves", q)
		}
	}
}

// TestCatalogConcurrent reads while CRDs are added; run with -race.
func TestCatalogConcurrent(t *testing.T) {
	c := NewCatalog()
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 50 {
				if i == 0 {
					_ = c.AddCRD(catCRDJSON("c.example.com", "w"+strings.Repeat("x", j)+"s", "W", "Cluster"))
				}
				if _, err := c.Lookup("pods"); err != nil {
					t.Error(err)
				}
				_, _, _ = c.ParseKey("/registry/c.example.com/ws/a", DefaultRoot)
				_ = c.Kinds()
			}
		})
	}
	wg.Wait()
}
