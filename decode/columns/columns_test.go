package columns

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/etcdscope/etcdscope/decode"
)

// TestFixtureRows checks rows of real stored objects against what kubectl
// prints for them, derived by hand from each object (the comments say
// which fields and which kubectl rule). The fixture's objects were
// created at 04:02 and now is 05:00, so AGE is 57m.
func TestFixtureRows(t *testing.T) {
	fs := fixtures(t)
	for _, tc := range []struct {
		key  string
		want map[string]string
		// headers, when set, is the whole column list.
		headers []string
	}{
		{
			// spec.replicas 6, no readyReplicas, updatedReplicas 6, no
			// availableReplicas: READY ready/desired.
			key:     "/registry/deployments/shop/web",
			headers: []string{"NAME", "READY", "UP-TO-DATE", "AVAILABLE", "CONTAINERS", "IMAGES", "SELECTOR", "SIZE", "AGE"},
			want:    map[string]string{"NAME": "web", "READY": "0/6", "UP-TO-DATE": "6", "AVAILABLE": "0", "SELECTOR": "app=web", "IMAGES": "registry.example.com/web:1.2.3", "AGE": "57m", "SIZE": "3.1 KiB"},
		},
		{
			// DESIRED spec.replicas, CURRENT status.replicas, READY
			// status.readyReplicas (unset: 0).
			key:  "/registry/replicasets/shop/web-6bbcb4d55f",
			want: map[string]string{"DESIRED": "6", "CURRENT": "6", "READY": "0", "SELECTOR": "app=web,pod-template-hash=6bbcb4d55f"},
		},
		{
			// READY readyReplicas/spec.replicas.
			key:     "/registry/statefulsets/shop/db",
			headers: []string{"NAME", "READY", "CONTAINERS", "IMAGES", "SIZE", "AGE"},
			want:    map[string]string{"READY": "0/1", "CONTAINERS": "db"},
		},
		{
			// desiredNumberScheduled 2, the rest 0; no nodeSelector.
			key:  "/registry/daemonsets/coverage/ds6",
			want: map[string]string{"DESIRED": "2", "CURRENT": "0", "READY": "0", "UP-TO-DATE": "0", "AVAILABLE": "0", "NODE SELECTOR": "<none>"},
		},
		{
			// No conditions: Running; completions 1, succeeded unset;
			// started at 04:02:19, not completed: DURATION runs to now.
			key:  "/registry/jobs/shop/migrate",
			want: map[string]string{"STATUS": "Running", "COMPLETIONS": "0/1", "DURATION": "57m"},
		},
		{
			// suspend false prints False; no lastScheduleTime, no
			// timeZone, no active jobs.
			key:  "/registry/cronjobs/coverage/cjv1",
			want: map[string]string{"SCHEDULE": "* * * * *", "TIMEZONE": "<none>", "SUSPEND": "False", "ACTIVE": "0", "LAST SCHEDULE": "<none>"},
		},
		{
			// LoadBalancer with no ingress yet: <pending>; the port with
			// its node port.
			key:  "/registry/services/specs/coverage/service1",
			want: map[string]string{"TYPE": "LoadBalancer", "CLUSTER-IP": "10.0.165.94", "EXTERNAL-IP": "<pending>", "PORT(S)": "10000:32649/TCP", "SELECTOR": "test=data"},
		},
		{
			key:  "/registry/services/specs/default/kubernetes",
			want: map[string]string{"TYPE": "ClusterIP", "CLUSTER-IP": "10.0.0.1", "EXTERNAL-IP": "<none>", "PORT(S)": "443/TCP", "SELECTOR": "<none>"},
		},
		{
			// TYPE and DATA from the decrypted Secret, ENCRYPTION from its
			// k8s:enc:aescbc:v1:key1: prefix.
			key:     "/registry/secrets/shop/web-tls",
			headers: []string{"NAME", "TYPE", "DATA", "ENCRYPTION", "SIZE", "AGE"},
			want:    map[string]string{"TYPE": "kubernetes.io/tls", "DATA": "2", "ENCRYPTION": "aescbc:key1"},
		},
		{
			// DATA counts data and binaryData: 3 + 1.
			key:  "/registry/configmaps/payments/app-config",
			want: map[string]string{"DATA": "4"},
		},
		{
			// No Ready condition: Unknown; a node-role.kubernetes.io/worker
			// label; kubeletVersion "".
			key:  "/registry/minions/lab-node-1",
			want: map[string]string{"NAME": "lab-node-1", "STATUS": "Unknown", "ROLES": "worker", "VERSION": ""},
		},
		{
			// spec.unschedulable adds SchedulingDisabled.
			key:  "/registry/minions/node1",
			want: map[string]string{"STATUS": "Unknown,SchedulingDisabled", "ROLES": "<none>"},
		},
		{
			// count 2, last 04:02:31, the involved object as kind/name in
			// lower case, source.component.
			key:  "/registry/events/coverage/hpa2.18eb2de49c0c9ec7",
			want: map[string]string{"LAST SEEN": "57m", "TYPE": "Warning", "REASON": "FailedGetScale", "OBJECT": "horizontalpodautoscaler/hpa2", "MESSAGE": `no matches for kind "something" in group "apps"`, "COUNT": "2", "SOURCE": "horizontal-pod-autoscaler"},
		},
		{
			// No first/last timestamp: eventTime (2017) for both; no count:
			// 1; reportingComponent and reportingInstance as the source;
			// an involved object with no kind or name.
			key:  "/registry/events/coverage/event3",
			want: map[string]string{"LAST SEEN": "9y", "FIRST SEEN": "9y", "COUNT": "1", "SOURCE": "k8s.io/my-controller, node-xyz", "OBJECT": "", "REASON": "Laziness"},
		},
		{
			// Unbound: no capacity or access modes; class from
			// spec.storageClassName.
			key:  "/registry/persistentvolumeclaims/coverage/pvc1",
			want: map[string]string{"STATUS": "Pending", "VOLUME": "", "CAPACITY": "", "ACCESS MODES": "", "STORAGECLASS": "lab-standard", "VOLUMEATTRIBUTESCLASS": "<unset>", "VOLUMEMODE": "Filesystem"},
		},
		{
			key:  "/registry/persistentvolumes/pv1name",
			want: map[string]string{"CAPACITY": "3M", "ACCESS MODES": "RWO", "RECLAIM POLICY": "Retain", "STATUS": "Available", "CLAIM": ""},
		},
		{
			key:     "/registry/leases/coverage/leasev1",
			headers: []string{"NAME", "HOLDER", "SIZE", "AGE"},
			want:    map[string]string{"HOLDER": "holder"},
		},
		{
			key:     "/registry/namespaces/shop",
			headers: []string{"NAME", "STATUS", "SIZE", "AGE"},
			want:    map[string]string{"NAME": "shop", "STATUS": "Active", "AGE": "57m"},
		},
		{
			// endpoints and ports null: kubectl's <unset>.
			key:  "/registry/endpointslices/coverage/service1-hsmf2",
			want: map[string]string{"ADDRESSTYPE": "IPv4", "PORTS": "<unset>", "ENDPOINTS": "<unset>"},
		},
		{
			// One rule host; no TLS: port 80; no ingressClassName.
			key:  "/registry/ingress/shop/web",
			want: map[string]string{"CLASS": "<none>", "HOSTS": "shop.example.com", "ADDRESS": "", "PORTS": "80"},
		},
		{
			key:  "/registry/serviceaccounts/coverage/sa1name",
			want: map[string]string{"SECRETS": "1"},
		},
		{
			// A pod no kubelet ran: phase Pending, no container status.
			key:  "/registry/pods/shop/web-6bbcb4d55f-5z72c",
			want: map[string]string{"READY": "0/1", "STATUS": "Pending", "RESTARTS": "0", "NODE": "<none>", "IP": "<none>"},
		},
		{
			// A CRD without printer columns: NAME and AGE, as kubectl.
			key:     "/registry/cr.bar.com/foos/coverage/cr-0",
			headers: []string{"NAME", "SIZE", "AGE"},
			want:    map[string]string{"NAME": "cr-0", "AGE": "57m"},
		},
		{
			// Stored secretbox-encrypted; decrypted with the config.
			key:     "/registry/custom.fancy.com/pants/cr-0",
			headers: []string{"NAME", "SIZE", "AGE"},
			want:    map[string]string{"NAME": "cr-0", "AGE": "57m"},
		},
		{
			key:  "/registry/apiregistration.k8s.io/apiservices/v1.apps",
			want: map[string]string{"SERVICE": "Local", "AVAILABLE": "True"},
		},
		{
			key:  "/registry/controllerrevisions/shop/db-5d9f89659b",
			want: map[string]string{"CONTROLLER": "statefulset.apps/db", "REVISION": "1"},
		},
	} {
		t.Run(tc.key, func(t *testing.T) {
			tab := ForKind(fs.kind(t, tc.key), false)
			if tc.headers != nil && !slices.Equal(headers(tab), tc.headers) {
				t.Errorf("columns %v, want %v", headers(tab), tc.headers)
			}
			row := tab.Row(fs.value(t, tc.key), now)
			if len(row) != len(tab.Columns()) {
				t.Fatalf("%d cells for %d columns", len(row), len(tab.Columns()))
			}
			wantCells(t, tab, row, tc.want)
		})
	}
}

// TestEveryFixtureValue computes the row of every live key of the
// fixture with its kind's table: each has a cell per column, its name
// from the key, its size, an age, and nothing reads as an error.
func TestEveryFixtureValue(t *testing.T) {
	fs := fixtures(t)
	kinds := 0
	seen := map[string]bool{}
	for _, key := range fs.keys {
		k := fs.kind(t, key)
		tab := ForKind(k, true)
		if !seen[k.Prefix] {
			seen[k.Prefix] = true
			kinds++
		}
		v := fs.value(t, key)
		row := tab.Row(v, now)
		if len(row) != len(tab.Columns()) {
			t.Fatalf("%s: %d cells for %d columns", key, len(row), len(tab.Columns()))
		}
		got := cells(tab, row)
		if name := key[strings.LastIndexByte(key, '/')+1:]; got["NAME"].Text != name {
			t.Errorf("%s: NAME %q", key, got["NAME"].Text)
		}
		if got["SIZE"].key.n != int64(len(v.Raw)) {
			t.Errorf("%s: SIZE sorts by %d, want %d", key, got["SIZE"].key.n, len(v.Raw))
		}
		for i, c := range row {
			if c.Problem {
				t.Errorf("%s: %s is a problem: %q", key, tab.Columns()[i].Name, c.Text)
			}
		}
		// The RangeAllocation and the peer server lease carry no
		// creationTimestamp; everything else was created in the hour.
		age := got["AGE"].Text
		switch {
		case strings.HasPrefix(key, "/registry/ranges/") || strings.HasPrefix(key, "/registry/peerserverleases/"):
			if age != "<unknown>" {
				t.Errorf("%s: AGE %q, want <unknown>", key, age)
			}
		case age != "57m" && age != "56m" && age != "58m":
			t.Errorf("%s: AGE %q", key, age)
		}
		if k.Namespaced && got["NAMESPACE"].Text == "" {
			t.Errorf("%s: no NAMESPACE", key)
		}
	}
	if kinds < 70 {
		t.Errorf("only %d kinds in the fixture", kinds)
	}
}

// TestNamespaceColumn: NAMESPACE only when listing all namespaces, and
// never for cluster-scoped kinds.
func TestNamespaceColumn(t *testing.T) {
	fs := fixtures(t)
	pods, _ := fs.catalog.Lookup("po")
	nodes, _ := fs.catalog.Lookup("no")
	for _, tc := range []struct {
		kind  decode.Kind
		all   bool
		first string
	}{
		{pods, true, "NAMESPACE"},
		{pods, false, "NAME"},
		{nodes, true, "NAME"},
	} {
		if got := ForKind(tc.kind, tc.all).Columns()[0].Name; got != tc.first {
			t.Errorf("%s all=%v: first column %s, want %s", tc.kind.Resource, tc.all, got, tc.first)
		}
	}
	tab := ForKind(pods, true)
	row := tab.Row(fs.value(t, "/registry/pods/shop/db-0"), now)
	wantCells(t, tab, row, map[string]string{"NAMESPACE": "shop", "NAME": "db-0"})
	if i := tab.Index("namespace"); i != 0 {
		t.Errorf("Index(namespace) = %d", i)
	}
	if i := tab.Index("nosuch"); i != -1 {
		t.Errorf("Index(nosuch) = %d", i)
	}
}

// TestKeyRow: before decoding, a row has the key's namespace and name and
// the size, and nothing else to sort by.
func TestKeyRow(t *testing.T) {
	fs := fixtures(t)
	tab := ForKind(fs.kind(t, "/registry/pods/shop/db-0"), true)
	row := tab.KeyRow("/registry/pods/shop/db-0", 1234)
	wantCells(t, tab, row, map[string]string{"NAMESPACE": "shop", "NAME": "db-0", "SIZE": "1.2 KiB", "STATUS": "", "AGE": ""})
	if c := cells(tab, row)["AGE"]; c.key.kind != keyNone {
		t.Errorf("AGE has a sort key before decoding")
	}
	// A key that is not valid UTF-8 prints escaped.
	row = tab.KeyRow("/registry/pods/shop/bad\xff", 1)
	if got := cells(tab, row)["NAME"].Text; got != `bad\xff` {
		t.Errorf("NAME %q", got)
	}
}

// TestSecretEncryption: ENCRYPTION is provider:key for an encrypted
// value whether or not it could be decrypted, and none for a plaintext
// one; a Secret still encrypted shows <encrypted> and no data count.
func TestSecretEncryption(t *testing.T) {
	fs := fixtures(t)
	const key = "/registry/secrets/shop/db-credentials"
	tab := ForKind(fs.kind(t, key), false)
	kv := fs.kvs[key]

	locked := decode.NewDecoder().Decode(key, kv.Value, nil)
	if locked.Object != nil {
		t.Fatal("decoded without a key")
	}
	wantCells(t, tab, tab.Row(locked, now), map[string]string{"NAME": "db-credentials", "TYPE": "<encrypted>", "DATA": "", "ENCRYPTION": "aescbc:key1", "AGE": ""})

	plain, _, err := fs.config.Decrypt(key, kv.Value)
	if err != nil {
		t.Fatal(err)
	}
	open := fs.dec.Decode(key, plain, nil)
	if open.Encryption != nil || open.Object == nil {
		t.Fatalf("plaintext value: %+v", open.Encryption)
	}
	wantCells(t, tab, tab.Row(open, now), map[string]string{"TYPE": "Opaque", "DATA": "2", "ENCRYPTION": "none", "AGE": "57m"})

	wantCells(t, tab, tab.Row(fs.value(t, key), now), map[string]string{"TYPE": "Opaque", "DATA": "2", "ENCRYPTION": "aescbc:key1"})
}

// TestUnreadableValues: a value that failed to decode, one still
// encrypted, a non-object, one of an unknown type and malformed objects
// all give a row with the name, and never a panic.
func TestUnreadableValues(t *testing.T) {
	fs := fixtures(t)
	pods, _ := fs.catalog.Lookup("po")
	tab := ForKind(pods, false)
	base := decode.Value{Key: "/registry/pods/shop/x", Raw: []byte("0123456789")}
	withObj := func(obj string) decode.Value {
		v := base
		v.Kind, v.APIVersion, v.Object = "Pod", "v1", []byte(obj)
		return v
	}
	for _, tc := range []struct {
		name    string
		v       decode.Value
		status  string
		age     string
		problem bool
	}{
		{"decode error", func() decode.Value { v := base; v.Err = errFake; return v }(), "<error>", "", true},
		{"still encrypted", func() decode.Value {
			v := base
			v.Encoding, v.Encryption = decode.EncodingEncrypted, &decode.Encryption{Provider: "kms", KeyName: "k"}
			return v
		}(), "", "", false},
		{"text", func() decode.Value { v := base; v.Encoding, v.Text = decode.EncodingText, "hello"; return v }(), "", "", false},
		{"unknown type", func() decode.Value {
			v := withObj(`{"apiVersion":"v9","kind":"Pod","metadata":{"name":"x","creationTimestamp":"2026-11-25T04:00:00Z"}}`)
			v.Fields = []decode.Field{{Number: 2, Wire: "bytes"}}
			return v
		}(), "", "60m", false},
		{"another kind", func() decode.Value {
			v := withObj(`{"kind":"Widget","metadata":{"creationTimestamp":"2026-11-25T04:30:00Z"}}`)
			v.Kind = "Widget"
			return v
		}(), "", "30m", false},
		{"wrong shape", withObj(`{"metadata":{"name":"x"},"spec":5}`), "<error>", "", true},
		{"not json", withObj(`{`), "<error>", "<unknown>", true},
		{"nulls", withObj(`{"metadata":null,"spec":null,"status":null}`), "", "<unknown>", false},
		{"empty object", withObj(`{}`), "", "<unknown>", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			row := tab.Row(tc.v, now)
			got := cells(tab, row)
			if got["NAME"].Text != "x" || got["SIZE"].Text != "10 B" {
				t.Errorf("NAME %q SIZE %q", got["NAME"].Text, got["SIZE"].Text)
			}
			first := row[tab.first]
			if tc.status != "" && first.Text != tc.status {
				t.Errorf("first column %q, want %q", first.Text, tc.status)
			}
			if first.Problem != tc.problem {
				t.Errorf("problem %v, want %v", first.Problem, tc.problem)
			}
			if tc.age != "" && got["AGE"].Text != tc.age {
				t.Errorf("AGE %q, want %q", got["AGE"].Text, tc.age)
			}
		})
	}
	// The marker of a still-encrypted or non-object value names it.
	v := base
	v.Encoding, v.Encryption = decode.EncodingEncrypted, &decode.Encryption{Provider: "kms", KeyName: "k"}
	if got := tab.Row(v, now)[tab.first].Text; got != "<encrypted>" {
		t.Errorf("encrypted: %q", got)
	}
	v = base
	v.Encoding = decode.EncodingBinary
	if got := tab.Row(v, now)[tab.first].Text; got != "<binary>" {
		t.Errorf("binary: %q", got)
	}
	// A value decoded without its key takes its name from metadata.
	v = withObj(`{"metadata":{"name":"fromfile","namespace":"ns1"}}`)
	v.Key = ""
	all := ForKind(pods, true)
	wantCells(t, all, all.Row(v, now), map[string]string{"NAMESPACE": "ns1", "NAME": "fromfile"})
}

// errFake is a decode error.
var errFake = errors.New("decode: broken")

// TestEveryTableOnEveryValue runs each table over every fixture object
// with its kind erased, so each printer meets objects of every shape: no
// panic, a cell per column.
func TestEveryTableOnEveryValue(t *testing.T) {
	fs := fixtures(t)
	tables := []*Table{}
	for _, k := range fs.catalog.Kinds() {
		tables = append(tables, ForKind(k, true))
	}
	for _, key := range fs.keys {
		v := fs.value(t, key)
		v.Kind = ""
		for _, tab := range tables {
			if row := tab.Row(v, now); len(row) != len(tab.Columns()) {
				t.Fatalf("%s on %s: %d cells", tab.Kind().Resource, key, len(row))
			}
		}
	}
}

// TestBuiltinsKnowTheirKinds: every printer is keyed by a kind the
// catalog has, so none is dead.
func TestBuiltinsKnowTheirKinds(t *testing.T) {
	c := decode.NewCatalog()
	known := map[string]bool{}
	for _, k := range c.Kinds() {
		known[k.Group+"/"+k.Kind] = true
	}
	known["events.k8s.io/Event"] = true // the alternate group of core events
	for gk, p := range builtins {
		if !known[gk] {
			t.Errorf("printer for %s, which the catalog does not know", gk)
		}
		if len(p.cols) == 0 || p.row == nil {
			t.Errorf("%s: empty printer", gk)
		}
		for _, col := range p.cols {
			if col.Name != strings.ToUpper(col.Name) || col.Width <= 0 {
				t.Errorf("%s: column %+v", gk, col)
			}
		}
	}
}

// TestColumnsCopy: Columns returns the caller's copy.
func TestColumnsCopy(t *testing.T) {
	fs := fixtures(t)
	tab := ForKind(fs.kind(t, "/registry/pods/shop/db-0"), false)
	cols := tab.Columns()
	cols[0].Name = "CHANGED"
	if reflect.DeepEqual(cols, tab.Columns()) {
		t.Error("Columns shares its slice")
	}
}
