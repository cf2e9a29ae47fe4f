package demo

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/decode/encryption"
)

// object is what the tests read of a decoded object.
type object struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name            string `json:"name"`
		Namespace       string `json:"namespace"`
		UID             string `json:"uid"`
		ResourceVersion string `json:"resourceVersion"`
		CreationTS      string `json:"creationTimestamp"`
		ManagedFields   []any  `json:"managedFields"`
		OwnerReferences []struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Name       string `json:"name"`
			UID        string `json:"uid"`
		} `json:"ownerReferences"`
	} `json:"metadata"`
	Data       map[string]string `json:"data"`
	BinaryData map[string]string `json:"binaryData"`
}

// decoded is one seeded key, decoded by the project's own decoder.
type decoded struct {
	kv   *mvccKV
	kind decode.Kind
	val  decode.Value
	obj  object
}

// decodeAll decodes every key under root with the decoder and a catalog
// that knows the CRDs found there, failing on any key that does not parse
// to a kind or whose value does not decode to that kind.
func decodeAll(t *testing.T, root string, dec *decode.Decoder) []decoded {
	t.Helper()
	kvs := all(t, root+"/")
	cat := decode.NewCatalog()
	for _, kv := range kvs {
		if strings.HasPrefix(kv.Key, root+"/apiextensions.k8s.io/customresourcedefinitions/") {
			v := dec.Decode(kv.Key, kv.Value, nil)
			if err := cat.AddCRD(v.Object); err != nil {
				t.Fatalf("%s: %v", kv.Key, err)
			}
		}
	}
	var out []decoded
	for _, kv := range kvs {
		kp, kind, ok := cat.ParseKey(kv.Key, root)
		if !ok || kp.Name == "" {
			t.Errorf("%s: key does not parse to an object of a known kind (%+v)", kv.Key, kp)
			continue
		}
		v := dec.Decode(kv.Key, kv.Value, nil)
		if v.Err != nil {
			t.Errorf("%s: %v", kv.Key, v.Err)
			continue
		}
		if v.APIVersion != kind.APIVersion() || v.Kind != kind.Kind {
			t.Errorf("%s: value is %s %s, the key says %s %s", kv.Key, v.APIVersion, v.Kind, kind.APIVersion(), kind.Kind)
		}
		d := decoded{kv: kv, kind: kind, val: v}
		if err := json.Unmarshal(v.Object, &d.obj); err != nil {
			t.Errorf("%s: object: %v", kv.Key, err)
			continue
		}
		if d.obj.Metadata.Name != kp.Name || d.obj.Metadata.Namespace != kp.Namespace {
			t.Errorf("%s: object is %s/%s", kv.Key, d.obj.Metadata.Namespace, d.obj.Metadata.Name)
		}
		out = append(out, d)
	}
	return out
}

func TestSeedWritesWhatKubeAPIServerWould(t *testing.T) {
	ctx := testCtx(t)
	enc, err := encryption.WriteDemoConfig(filepath.Join(t.TempDir(), "enc.yaml"), []string{"secrets"})
	if err != nil {
		t.Fatal(err)
	}
	const root = "/registry"
	// -count runs this again on the same etcd: a seed at another time
	// names its events otherwise, so the earlier run's keys go first.
	if _, err := cli.Delete(ctx, root+"/", clientv3.WithPrefix()); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	sum, err := Seed(ctx, cli, Options{Root: root, Seed: 1, Encrypter: enc, Now: now})
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	t.Logf("seeded %d keys, %d bytes: %v", sum.Keys, sum.Bytes, sum.Resources)
	if sum.Keys < 2000 || sum.Keys > 6000 {
		t.Errorf("seeded %d keys, want a few thousand", sum.Keys)
	}
	items := decodeAll(t, root, decode.NewDecoder(decode.WithDecrypter(enc)))
	if len(items) != sum.Keys {
		t.Errorf("decoded %d keys, Summary says %d", len(items), sum.Keys)
	}

	counts := map[string]int{}
	var bytesSeen int64
	byUID := map[string]decoded{}
	for _, d := range items {
		counts[d.kind.GroupResource()]++
		bytesSeen += int64(len(d.kv.Value))
		if d.obj.Metadata.UID == "" || d.obj.Metadata.CreationTS == "" {
			t.Errorf("%s: no uid or creationTimestamp", d.kv.Key)
		}
		if created, err := time.Parse(time.RFC3339, d.obj.Metadata.CreationTS); err != nil || created.Before(now.Add(-history)) || created.After(now) {
			t.Errorf("%s: creationTimestamp %s is not within the cluster's life (%v)", d.kv.Key, d.obj.Metadata.CreationTS, err)
		}
		if d.obj.Metadata.ResourceVersion != "" {
			t.Errorf("%s: resourceVersion %q is stored; the API server never stores it", d.kv.Key, d.obj.Metadata.ResourceVersion)
		}
		if _, dup := byUID[d.obj.Metadata.UID]; dup {
			t.Errorf("%s: uid %s used twice", d.kv.Key, d.obj.Metadata.UID)
		}
		byUID[d.obj.Metadata.UID] = d
		checkEncoding(t, d, sum.EventLease)
	}
	for gr, n := range sum.Resources {
		if counts[gr] != n {
			t.Errorf("%s: %d keys, Summary says %d", gr, counts[gr], n)
		}
	}
	if len(counts) != len(sum.Resources) {
		t.Errorf("resources found %v, Summary says %v", counts, sum.Resources)
	}
	if bytesSeen != sum.Bytes {
		t.Errorf("%d bytes stored, Summary says %d", bytesSeen, sum.Bytes)
	}
	for _, want := range []string{"namespaces", "nodes", "pods", "services", "endpoints", "configmaps", "secrets", "serviceaccounts", "events",
		"replicationcontrollers", "deployments.apps", "replicasets.apps", "daemonsets.apps", "endpointslices.discovery.k8s.io",
		"ingresses.networking.k8s.io", "leases.coordination.k8s.io", "roles.rbac.authorization.k8s.io", "rolebindings.rbac.authorization.k8s.io",
		"clusterroles.rbac.authorization.k8s.io", "clusterrolebindings.rbac.authorization.k8s.io", "customresourcedefinitions.apiextensions.k8s.io",
		"apiservices.apiregistration.k8s.io", "databases.db.example.com", "backups.db.example.com", "clusterpolicies.policy.example.com"} {
		if counts[want] == 0 {
			t.Errorf("no %s seeded", want)
		}
	}
	if counts["namespaces"] != DefaultNamespaces {
		t.Errorf("%d namespaces, want %d", counts["namespaces"], DefaultNamespaces)
	}

	// Every ownerReference names an object that exists: same uid, kind and
	// name, in the same namespace or cluster-scoped.
	owned := 0
	for _, d := range items {
		for _, o := range d.obj.Metadata.OwnerReferences {
			owned++
			got, ok := byUID[o.UID]
			switch {
			case !ok:
				t.Errorf("%s: owner %s %s (uid %s) does not exist", d.kv.Key, o.Kind, o.Name, o.UID)
			case got.val.Kind != o.Kind || got.val.APIVersion != o.APIVersion || got.obj.Metadata.Name != o.Name:
				t.Errorf("%s: owner %s %s %s is %s", d.kv.Key, o.APIVersion, o.Kind, o.Name, got.kv.Key)
			case got.obj.Metadata.Namespace != "" && got.obj.Metadata.Namespace != d.obj.Metadata.Namespace:
				t.Errorf("%s: owner %s is in another namespace", d.kv.Key, got.kv.Key)
			case got.obj.Metadata.CreationTS > d.obj.Metadata.CreationTS:
				t.Errorf("%s (created %s): owner %s created later, %s", d.kv.Key, d.obj.Metadata.CreationTS, got.kv.Key, got.obj.Metadata.CreationTS)
			}
		}
	}
	if owned < counts["pods"] {
		t.Errorf("only %d ownerReferences for %d pods", owned, counts["pods"])
	}

	// The special ConfigMaps are there: one large, binaryData, unicode.
	for key, check := range map[string]func(d decoded) bool{
		root + "/configmaps/monitoring/grafana-dashboards": func(d decoded) bool { return len(d.kv.Value) > 256<<10 },
		root + "/configmaps/shop/brand-assets":             func(d decoded) bool { return len(d.obj.BinaryData["logo.png"]) > 0 },
		root + "/configmaps/shop/storefront-i18n":          func(d decoded) bool { return strings.Contains(d.obj.Data["ja.properties"], "いらっしゃいませ") },
	} {
		found := false
		for _, d := range items {
			if d.kv.Key == key {
				found = true
				if !check(d) {
					t.Errorf("%s: not what it should be", key)
				}
			}
		}
		if !found {
			t.Errorf("%s: not seeded", key)
		}
	}
}

// checkEncoding checks that a value is written as the API server writes
// its kind.
func checkEncoding(t *testing.T, d decoded, eventLease clientv3.LeaseID) {
	t.Helper()
	raw, key := d.kv.Value, d.kv.Key
	want := decode.EncodingProtobuf
	switch {
	case d.kind.Resource == "secrets":
		if !bytes.HasPrefix(raw, []byte("k8s:enc:aescbc:v1:"+encryption.DemoKeyName+":")) {
			t.Errorf("%s: secret not encrypted: %q", key, raw[:min(len(raw), 24)])
		}
		if d.val.Encryption == nil || !d.val.Encryption.Decrypted {
			t.Errorf("%s: secret not decrypted: %+v", key, d.val.Encryption)
		}
	case d.kind.Resource == "backups":
		want = decode.EncodingCBOR
		if !bytes.HasPrefix(raw, []byte{0xd9, 0xd9, 0xf7}) {
			t.Errorf("%s: CBOR value does not start with the self-described tag", key)
		}
	case d.kind.Resource == "databases":
		want = decode.EncodingJSON
	case d.kind.Resource == "clusterpolicies":
		want = d.val.Encoding // both: checked below
		if want != decode.EncodingJSON && want != decode.EncodingCBOR {
			t.Errorf("%s: encoding %s", key, want)
		}
	case d.kind.Resource == "customresourcedefinitions":
		want = decode.EncodingJSON
		if d.val.APIVersion != "apiextensions.k8s.io/v1beta1" {
			t.Errorf("%s: CRD stored as %s, want apiextensions.k8s.io/v1beta1", key, d.val.APIVersion)
		}
	case d.kind.Resource == "apiservices":
		want = decode.EncodingJSON
	default:
		if !bytes.HasPrefix(raw, []byte("k8s\x00")) {
			t.Errorf("%s: no protobuf envelope", key)
		}
	}
	if d.val.Encoding != want {
		t.Errorf("%s: encoding %s, want %s", key, d.val.Encoding, want)
	}
	if want == decode.EncodingJSON && !bytes.HasSuffix(raw, []byte("}\n")) {
		t.Errorf("%s: JSON value does not end as the API server's encoder ends it", key)
	}
	isEvent := d.kind.Resource == "events"
	if isEvent != (d.kv.Lease != 0) || (isEvent && d.kv.Lease != int64(eventLease)) {
		t.Errorf("%s: lease %x (events' lease %x)", key, d.kv.Lease, eventLease)
	}
	if !isEvent && d.kind.Resource != "customresourcedefinitions" && len(d.obj.Metadata.ManagedFields) == 0 &&
		!(d.kind.Resource == "serviceaccounts" && d.obj.Metadata.Name == "default") {
		t.Errorf("%s: no managedFields", key)
	}
}

func TestSeedIsDeterministic(t *testing.T) {
	ctx := testCtx(t)
	seed := func(root string, s int64) map[string]string {
		sum, err := Seed(ctx, cli, Options{Root: root, Namespaces: 5, Seed: s})
		if err != nil {
			t.Fatalf("Seed %s: %v", root, err)
		}
		out := map[string]string{}
		for _, kv := range all(t, root+"/") {
			out[strings.TrimPrefix(kv.Key, root)] = string(kv.Value)
		}
		if len(out) != sum.Keys {
			t.Fatalf("%s: %d keys stored, Summary says %d", root, len(out), sum.Keys)
		}
		return out
	}
	a, b, c := seed("/det-a", 7), seed("/det-b", 7), seed("/det-c", 8)
	if len(a) != len(b) {
		t.Fatalf("same seed: %d and %d keys", len(a), len(b))
	}
	for k, v := range a {
		if b[k] != v {
			t.Errorf("same seed, %s differs", k)
		}
	}
	same := 0
	for k, v := range a {
		if c[k] == v {
			same++
		}
	}
	if same > len(a)/2 {
		t.Errorf("another seed wrote %d of %d values identically", same, len(a))
	}
}

func TestSeedOptions(t *testing.T) {
	ctx := testCtx(t)
	sum, err := Seed(ctx, cli, Options{Root: "opts", Namespaces: 2, Scale: 2, Seed: 3})
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	// Root is joined to "/" as kube-apiserver does with --etcd-prefix;
	// too few namespaces become the minimum.
	if n := len(all(t, "/opts/namespaces/")); n != minNamespaces || sum.Resources["namespaces"] != minNamespaces {
		t.Errorf("%d namespaces stored, %d in Summary; want %d", n, sum.Resources["namespaces"], minNamespaces)
	}
	if n := len(all(t, "/opts/minions/")); n != 1+5*2 {
		t.Errorf("%d nodes at scale 2, want 11", n)
	}
	if len(all(t, "/opts/")) != sum.Keys {
		t.Errorf("Summary keys %d do not match the store", sum.Keys)
	}
}

func TestSeedStopsOnCancel(t *testing.T) {
	ctx, cancel := contextWithCancel(t)
	cancel()
	if _, err := Seed(ctx, cli, Options{Root: "/cancelled"}); err == nil {
		t.Fatal("Seed with a cancelled context: no error")
	}
}
