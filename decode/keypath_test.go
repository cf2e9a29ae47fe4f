package decode

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/etcdscope/etcdscope/decode/fixture"
)

// kpMeta is the part of a served object's metadata a key encodes.
type kpMeta struct {
	Metadata struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
}

func kpGroupOf(apiVersion string) string {
	g, _, ok := strings.Cut(apiVersion, "/")
	if !ok {
		return ""
	}
	return g
}

// TestParseKeyFixture parses every live key a real kube-apiserver wrote
// and holds the result against the object the API server served for it.
func TestParseKeyFixture(t *testing.T) {
	exp, err := fixture.ExpectedObjects()
	if err != nil {
		t.Fatal(err)
	}
	c := catFixtureCatalog(t)
	checked := 0
	for _, e := range exp {
		kp := ParseKey(e.Key, DefaultRoot)
		ckp, k, ok := c.ParseKey(e.Key, DefaultRoot)
		if !ok {
			t.Errorf("%s: catalog found no kind (parsed %+v)", e.Key, ckp)
			continue
		}
		if kp.Root != DefaultRoot || kp.Special == kpCompactRevKey {
			t.Errorf("%s: root %q special %q", e.Key, kp.Root, kp.Special)
		}
		// The fixture's apiVersion/kind are read from the stored value:
		// the storage version.
		if k.Kind != e.Kind || k.Group != kpGroupOf(e.APIVersion) || k.APIVersion() != e.APIVersion {
			t.Errorf("%s: catalog kind %s %s, stored as %s %s", e.Key, k.APIVersion(), k.Kind, e.APIVersion, e.Kind)
		}
		if kp.Group != k.Group || kp.Prefix != k.Prefix || kp.Resource != k.Resource {
			t.Errorf("%s: structural parse %+v disagrees with catalog kind %+v", e.Key, kp, k)
		}
		if ckp != kp {
			t.Errorf("%s: catalog parse %+v, structural %+v", e.Key, ckp, kp)
		}
		if string(e.Object) == "null" || len(e.Object) == 0 {
			continue
		}
		var m kpMeta
		if err := json.Unmarshal(e.Object, &m); err != nil {
			t.Fatalf("%s: %v", e.Key, err)
		}
		if kp.Name != m.Metadata.Name || kp.Namespace != m.Metadata.Namespace {
			t.Errorf("%s: parsed %q/%q, object is %q/%q", e.Key, kp.Namespace, kp.Name, m.Metadata.Namespace, m.Metadata.Name)
		}
		if k.Namespaced != (m.Metadata.Namespace != "") {
			t.Errorf("%s: kind %s namespaced=%v, object namespace %q", e.Key, k.Kind, k.Namespaced, m.Metadata.Namespace)
		}
		checked++
	}
	if checked < 600 {
		t.Fatalf("checked only %d fixture keys", checked)
	}
}

func TestParseKeyPaths(t *testing.T) {
	tests := []struct {
		name, key, root string
		want            KeyPath
	}{
		{"namespaced", "/registry/pods/shop/web-1", "/registry",
			KeyPath{Root: "/registry", Prefix: "pods", Resource: "pods", Namespace: "shop", Name: "web-1"}},
		{"cluster scoped", "/registry/namespaces/shop", "/registry",
			KeyPath{Root: "/registry", Prefix: "namespaces", Resource: "namespaces", Name: "shop"}},
		{"nodes under minions", "/registry/minions/lab-node-1", "/registry",
			KeyPath{Root: "/registry", Prefix: "minions", Resource: "nodes", Name: "lab-node-1"}},
		{"services/specs", "/registry/services/specs/shop/web", "/registry",
			KeyPath{Root: "/registry", Prefix: "services/specs", Resource: "services", Namespace: "shop", Name: "web"}},
		{"services/endpoints", "/registry/services/endpoints/default/kubernetes", "/registry",
			KeyPath{Root: "/registry", Prefix: "services/endpoints", Resource: "endpoints", Namespace: "default", Name: "kubernetes"}},
		{"services alone", "/registry/services/", "/registry",
			KeyPath{Root: "/registry", Resource: "services"}},
		{"controllers", "/registry/controllers/ns/rc1", "/registry",
			KeyPath{Root: "/registry", Prefix: "controllers", Resource: "replicationcontrollers", Namespace: "ns", Name: "rc1"}},
		{"ingress", "/registry/ingress/ns/ing1", "/registry",
			KeyPath{Root: "/registry", Prefix: "ingress", Resource: "ingresses", Group: "networking.k8s.io", Namespace: "ns", Name: "ing1"}},
		{"deployments", "/registry/deployments/ns/d", "/registry",
			KeyPath{Root: "/registry", Prefix: "deployments", Resource: "deployments", Group: "apps", Namespace: "ns", Name: "d"}},
		{"events", "/registry/events/ns/e.1", "/registry",
			KeyPath{Root: "/registry", Prefix: "events", Resource: "events", Namespace: "ns", Name: "e.1"}},
		{"crd", "/registry/apiextensions.k8s.io/customresourcedefinitions/foos.cr.bar.com", "/registry",
			KeyPath{Root: "/registry", Prefix: "apiextensions.k8s.io/customresourcedefinitions", Resource: "customresourcedefinitions", Group: "apiextensions.k8s.io", Name: "foos.cr.bar.com"}},
		{"apiservice", "/registry/apiregistration.k8s.io/apiservices/v1.apps", "/registry",
			KeyPath{Root: "/registry", Prefix: "apiregistration.k8s.io/apiservices", Resource: "apiservices", Group: "apiregistration.k8s.io", Name: "v1.apps"}},
		{"storageversions", "/registry/storageversions/apps.deployments", "/registry",
			KeyPath{Root: "/registry", Prefix: "storageversions", Resource: "storageversions", Group: "internal.apiserver.k8s.io", Name: "apps.deployments"}},
		{"masterleases", "/registry/masterleases/10.0.0.1", "/registry",
			KeyPath{Root: "/registry", Prefix: "masterleases", Resource: "endpoints", Name: "10.0.0.1", Special: "masterleases"}},
		{"peerserverleases", "/registry/peerserverleases/apiserver-x", "/registry",
			KeyPath{Root: "/registry", Prefix: "peerserverleases", Resource: "endpoints", Name: "apiserver-x", Special: "peerserverleases"}},
		{"ranges serviceips", "/registry/ranges/serviceips", "/registry",
			KeyPath{Root: "/registry", Prefix: "ranges", Resource: "rangeallocations", Name: "serviceips", Special: "ranges/serviceips"}},
		{"ranges servicenodeports", "/registry/ranges/servicenodeports", "/registry",
			KeyPath{Root: "/registry", Prefix: "ranges", Resource: "rangeallocations", Name: "servicenodeports", Special: "ranges/servicenodeports"}},
		{"ranges directory", "/registry/ranges/", "/registry",
			KeyPath{Root: "/registry", Prefix: "ranges", Resource: "rangeallocations", Special: "ranges"}},
		{"compact_rev_key", "compact_rev_key", "/registry",
			KeyPath{Special: "compact_rev_key"}},
		{"compact_rev_key other root", "compact_rev_key", "/kubernetes.io",
			KeyPath{Special: "compact_rev_key"}},
		{"namespaced custom resource", "/registry/cr.bar.com/foos/coverage/cr-0", "/registry",
			KeyPath{Root: "/registry", Prefix: "cr.bar.com/foos", Resource: "foos", Group: "cr.bar.com", Namespace: "coverage", Name: "cr-0"}},
		{"cluster custom resource", "/registry/custom.fancy.com/pants/cr-0", "/registry",
			KeyPath{Root: "/registry", Prefix: "custom.fancy.com/pants", Resource: "pants", Group: "custom.fancy.com", Name: "cr-0"}},
		{"custom group ending in .k8s.io", "/registry/cr.k8s.io/widgets/ns/x", "/registry",
			KeyPath{Root: "/registry", Prefix: "cr.k8s.io/widgets", Resource: "widgets", Group: "cr.k8s.io", Namespace: "ns", Name: "x"}},
		{"custom resource in a built-in group name", "/registry/apiextensions.k8s.io/widgets/x", "/registry",
			KeyPath{Root: "/registry", Prefix: "apiextensions.k8s.io/widgets", Resource: "widgets", Group: "apiextensions.k8s.io", Name: "x"}},
		{"custom resource namespace directory", "/registry/cr.bar.com/foos/coverage/", "/registry",
			KeyPath{Root: "/registry", Prefix: "cr.bar.com/foos", Resource: "foos", Group: "cr.bar.com", Namespace: "coverage"}},
		{"group directory", "/registry/cr.bar.com/", "/registry",
			KeyPath{Root: "/registry", Group: "cr.bar.com"}},
		{"resource directory", "/registry/pods/", "/registry",
			KeyPath{Root: "/registry", Prefix: "pods", Resource: "pods"}},
		{"resource without slash", "/registry/pods", "/registry",
			KeyPath{Root: "/registry", Prefix: "pods", Resource: "pods"}},
		{"namespace directory", "/registry/pods/shop/", "/registry",
			KeyPath{Root: "/registry", Prefix: "pods", Resource: "pods", Namespace: "shop"}},
		{"root itself", "/registry", "/registry",
			KeyPath{Root: "/registry"}},
		{"root directory", "/registry/", "/registry",
			KeyPath{Root: "/registry"}},
		{"unknown resource", "/registry/widgets/ns/w", "/registry",
			KeyPath{Root: "/registry", Resource: "widgets", Namespace: "ns", Name: "w"}},
		{"no slash", "foo", "/registry", KeyPath{}},
		{"empty key", "", "/registry", KeyPath{}},
		{"outside root", "/other/pods/ns/p", "/registry", KeyPath{}},
		{"root is a whole segment", "/registryx/pods/ns/p", "/registry", KeyPath{}},
		{"empty segment", "/registry//pods/ns/p", "/registry", KeyPath{Root: "/registry"}},
		{"non-UTF-8 name", "/registry/secrets/ns/\xff\xfeab", "/registry",
			KeyPath{Root: "/registry", Prefix: "secrets", Resource: "secrets", Namespace: "ns", Name: "\xff\xfeab"}},
		{"non-UTF-8 first segment", "/registry/\xff/x", "/registry",
			KeyPath{Root: "/registry", Resource: "\xff", Name: "x"}},
		{"extra segments kept in the name", "/registry/pods/ns/a/b", "/registry",
			KeyPath{Root: "/registry", Prefix: "pods", Resource: "pods", Namespace: "ns", Name: "a/b"}},
		{"default root", "/registry/pods/ns/p", "",
			KeyPath{Root: "/registry", Prefix: "pods", Resource: "pods", Namespace: "ns", Name: "p"}},
		{"root with trailing slash", "/registry/pods/ns/p", "/registry/",
			KeyPath{Root: "/registry", Prefix: "pods", Resource: "pods", Namespace: "ns", Name: "p"}},
		{"root without leading slash", "/registry/pods/ns/p", "registry",
			KeyPath{Root: "/registry", Prefix: "pods", Resource: "pods", Namespace: "ns", Name: "p"}},
		{"other root", "/kubernetes.io/pods/ns/p", "/kubernetes.io",
			KeyPath{Root: "/kubernetes.io", Prefix: "pods", Resource: "pods", Namespace: "ns", Name: "p"}},
		{"slash root", "/pods/ns/p", "/",
			KeyPath{Root: "/", Prefix: "pods", Resource: "pods", Namespace: "ns", Name: "p"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseKey(tt.key, tt.root); got != tt.want {
				t.Errorf("ParseKey(%q, %q)\n got %+v\nwant %+v", tt.key, tt.root, got, tt.want)
			}
		})
	}
}

// TestCatalogParseKey checks what the catalog adds to the structure: the
// kind, and the scope of custom resources from their CRD.
func TestCatalogParseKey(t *testing.T) {
	c := catFixtureCatalog(t)
	tests := []struct {
		name, key string
		wantOK    bool
		wantKind  string
		want      KeyPath
	}{
		{"node", "/registry/minions/n1", true, "Node",
			KeyPath{Root: "/registry", Prefix: "minions", Resource: "nodes", Name: "n1"}},
		{"masterlease", "/registry/masterleases/10.0.0.1", true, "Endpoints",
			KeyPath{Root: "/registry", Prefix: "masterleases", Resource: "endpoints", Name: "10.0.0.1", Special: "masterleases"}},
		{"range", "/registry/ranges/servicenodeports", true, "RangeAllocation",
			KeyPath{Root: "/registry", Prefix: "ranges", Resource: "rangeallocations", Name: "servicenodeports", Special: "ranges/servicenodeports"}},
		{"namespaced CR from its CRD", "/registry/cr.bar.com/foos/coverage", true, "Foo",
			KeyPath{Root: "/registry", Prefix: "cr.bar.com/foos", Resource: "foos", Group: "cr.bar.com", Namespace: "coverage"}},
		{"cluster CR from its CRD", "/registry/awesome.bears.com/pandas/p1", true, "Panda",
			KeyPath{Root: "/registry", Prefix: "awesome.bears.com/pandas", Resource: "pandas", Group: "awesome.bears.com", Name: "p1"}},
		{"CR without a CRD", "/registry/cr.k8s.io/widgets/ns/x", false, "",
			KeyPath{Root: "/registry", Prefix: "cr.k8s.io/widgets", Resource: "widgets", Group: "cr.k8s.io", Namespace: "ns", Name: "x"}},
		{"compact_rev_key has no kind", "compact_rev_key", false, "",
			KeyPath{Special: "compact_rev_key"}},
		{"outside root", "/foo/pods/a/b", false, "", KeyPath{}},
		{"unknown resource", "/registry/widgets/a", false, "",
			KeyPath{Root: "/registry", Resource: "widgets", Name: "a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kp, k, ok := c.ParseKey(tt.key, DefaultRoot)
			if ok != tt.wantOK || k.Kind != tt.wantKind || kp != tt.want {
				t.Errorf("ParseKey(%q) = %+v, %s, %v\nwant %+v, %s, %v", tt.key, kp, k.Kind, ok, tt.want, tt.wantKind, tt.wantOK)
			}
		})
	}
}

func BenchmarkParseKey(b *testing.B) {
	keys := []string{
		"/registry/pods/shop/web-7d9f-2xkq",
		"/registry/services/specs/shop/web",
		"/registry/cr.bar.com/foos/coverage/cr-0",
		"/registry/apiextensions.k8s.io/customresourcedefinitions/foos.cr.bar.com",
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_ = ParseKey(keys[i%len(keys)], DefaultRoot)
	}
}

func BenchmarkCatalogParseKey(b *testing.B) {
	c := NewCatalog()
	keys := []string{
		"/registry/pods/shop/web-7d9f-2xkq",
		"/registry/services/specs/shop/web",
		"/registry/deployments/shop/web",
		"/registry/minions/node-1",
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		_, _, _ = c.ParseKey(keys[i%len(keys)], DefaultRoot)
	}
}
