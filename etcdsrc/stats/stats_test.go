package stats

import (
	"bufio"
	"context"
	"encoding/json"
	"maps"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"go.etcd.io/etcd/api/v3/mvccpb"
	"google.golang.org/protobuf/proto"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/decode/encryption"
	"github.com/etcdscope/etcdscope/etcdsrc/snapshot"
)

const fixtureDB = "../../testdata/fixtures/k8s-1.37-coverage.db"

// runLive computes the figures of prefix on the test etcd, decrypting
// with the test's encryption config.
func runLive(t *testing.T, prefix string) *Result {
	t.Helper()
	res, err := Run(testCtx(t), Options{
		Source:     live(t, srv),
		Decoder:    decode.NewDecoder(decode.WithDecrypter(encConfig.WithPrefixRoot(root))),
		Root:       root,
		Prefix:     prefix,
		Decrypting: true,
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !res.Complete {
		t.Fatal("complete is false after a whole scan")
	}
	return res
}

func TestLiveSizes(t *testing.T) {
	res := runLive(t, "")
	if res.Prefix != root+"/" || res.Source.Type != "live" || res.Source.Endpoint != strings.Join(srv.Endpoints(), ",") || res.Source.Revision == 0 {
		t.Errorf("source %+v, prefix %q", res.Source, res.Prefix)
	}
	var total Totals
	segs := map[string]Segment{}
	type resFigures struct {
		keys, valueBytes, keyBytes int64
		encodings                  map[string]int64
	}
	resources := map[string]*resFigures{}
	for _, s := range seeded {
		kb, vb := int64(len(s.key)), int64(len(s.value))
		total.Keys++
		total.KeyBytes += kb
		total.ValueBytes += vb
		name, _, _ := strings.Cut(strings.TrimPrefix(s.key, root+"/"), "/")
		g := segs[name]
		g.Segment = name
		g.Keys++
		g.KeyBytes += kb
		g.ValueBytes += vb
		segs[name] = g
		r := resources[s.resource]
		if r == nil {
			r = &resFigures{encodings: map[string]int64{}}
			resources[s.resource] = r
		}
		r.keys++
		r.keyBytes += kb
		r.valueBytes += vb
		r.encodings[s.encoding]++
	}
	if res.Totals != total {
		t.Errorf("totals %+v, want %+v", res.Totals, total)
	}
	if len(res.Segments) != len(segs) {
		t.Errorf("%d segments, want %d: %+v", len(res.Segments), len(segs), res.Segments)
	}
	for i, s := range res.Segments {
		if s != segs[s.Segment] {
			t.Errorf("segment %+v, want %+v", s, segs[s.Segment])
		}
		if i > 0 && res.Segments[i-1].ValueBytes < s.ValueBytes {
			t.Errorf("segments not sorted by bytes: %s after %s", s.Segment, res.Segments[i-1].Segment)
		}
	}
	if len(res.Resources) != len(resources) {
		t.Errorf("%d resources, want %d", len(res.Resources), len(resources))
	}
	for _, r := range res.Resources {
		want := resources[r.Resource]
		if want == nil || r.Keys != want.keys || r.ValueBytes != want.valueBytes || r.KeyBytes != want.keyBytes || !maps.Equal(r.Encodings, want.encodings) {
			t.Errorf("resource %+v, want %+v", r, want)
		}
		if r.HistoryRevisions != 0 || r.HistoryBytes != 0 {
			t.Errorf("%s: history figures on a live cluster: %+v", r.Resource, r)
		}
	}
	kinds := map[string][2]string{
		"configmaps": {"", "ConfigMap"}, "replicasets": {"apps", "ReplicaSet"}, "events": {"", "Event"},
		"example.com/widgets": {"example.com", "Widget"}, "gone.example.com/gizmos": {"gone.example.com", "Gizmo"},
	}
	for _, r := range res.Resources {
		if want, ok := kinds[r.Resource]; ok && [2]string{r.Group, r.Kind} != want {
			t.Errorf("%s: group %q kind %q, want %v", r.Resource, r.Group, r.Kind, want)
		}
	}

	var shop Namespace
	for _, s := range seeded {
		if strings.Contains(s.key, "/shop/") {
			shop.Keys++
			shop.ValueBytes += int64(len(s.value))
		}
	}
	shop.Namespace = "shop"
	ghost := Namespace{Namespace: "ghost", Keys: 1, ValueBytes: int64(len(valueOf(t, root+"/configmaps/ghost/left")))}
	if !reflect.DeepEqual(res.Namespaces, []Namespace{shop, ghost}) {
		t.Errorf("namespaces %+v, want %+v", res.Namespaces, []Namespace{shop, ghost})
	}

	big := root + "/configmaps/shop/big"
	if len(res.Largest) == 0 || res.Largest[0] != (Object{Key: big, Kind: "ConfigMap", ValueBytes: int64(len(valueOf(t, big)))}) {
		t.Errorf("largest %+v", res.Largest)
	}
	if len(res.Largest) != len(seeded) || res.NearLimit != 1 {
		t.Errorf("%d largest (want all %d), %d near the limit (want 1)", len(res.Largest), len(seeded), res.NearLimit)
	}

	want := []Outside{
		{Key: "/cancel", Keys: cancelKeys, ValueBytes: 100 * cancelKeys},
		{Key: "/calico", Keys: 2, ValueBytes: int64(len(outsideKeys["/calico/ipam/a"]) + len(outsideKeys["/calico/ipam/b"]))},
		{Key: "compact_rev_key", Keys: 1, ValueBytes: 2},
	}
	if !reflect.DeepEqual(res.OutsidePrefix, want) {
		t.Errorf("outside %+v, want %+v", res.OutsidePrefix, want)
	}
}

// valueOf is what the seed wrote under key.
func valueOf(t *testing.T, key string) string {
	t.Helper()
	for _, s := range seeded {
		if s.key == key {
			return s.value
		}
	}
	t.Fatalf("%s was not seeded", key)
	return ""
}

func TestLiveFindings(t *testing.T) {
	res := runLive(t, "")
	yes, no := true, false
	clear := int64(len(seeded) - 2)
	wantEnc := []Encryption{
		{Provider: "none", Values: clear, Decryptable: nil},
		{Provider: "aescbc", KeyName: "demo-key", Values: 1, Resources: map[string]int64{"secrets": 1}, Decryptable: &yes},
		{Provider: "aescbc", KeyName: "retired", Values: 1, Resources: map[string]int64{"secrets": 1}, Decryptable: &no},
	}
	if len(res.Encryption) != len(wantEnc) {
		t.Fatalf("encryption %+v", res.Encryption)
	}
	for i, w := range wantEnc {
		g := res.Encryption[i]
		if g.Provider != w.Provider || g.KeyName != w.KeyName || g.Values != w.Values || !reflect.DeepEqual(g.Decryptable, w.Decryptable) ||
			(w.Resources != nil && !maps.Equal(g.Resources, w.Resources)) {
			t.Errorf("encryption[%d] = %+v (decryptable %v), want %+v", i, g, g.Decryptable, w)
		}
	}
	if res.Encryption[0].Resources["secrets"] != 0 || res.Encryption[0].Resources["configmaps"] != 5 {
		t.Errorf("values in clear per resource: %v", res.Encryption[0].Resources)
	}

	wantOrphans := Orphans{
		NamespaceGone: []NamespaceGone{{Key: root + "/configmaps/ghost/left", Namespace: "ghost"}},
		CRDGone:       []CRDGone{{Key: root + "/gone.example.com/gizmos/shop/g1", CRD: "gizmos.gone.example.com"}},
		OwnerGone:     []OwnerGone{{Key: root + "/pods/shop/orphan", OwnerKind: "ReplicaSet", OwnerName: "gone-rs", OwnerUID: goneUID}},
	}
	if !reflect.DeepEqual(res.Orphans, wantOrphans) {
		t.Errorf("orphans %+v, want %+v", res.Orphans, wantOrphans)
	}
	wantStuck := []Terminating{{Key: root + "/configmaps/shop/stuck", DeletionTimestamp: deletedAt.Format(time.RFC3339), Finalizers: []string{"example.com/hold", "example.com/audit"}}}
	if !reflect.DeepEqual(res.Terminating, wantStuck) {
		t.Errorf("terminating %+v, want %+v", res.Terminating, wantStuck)
	}
	if len(res.Undecodable) != 1 || res.Undecodable[0].Key != root+"/configmaps/shop/broken" || !strings.Contains(res.Undecodable[0].Error, "protobuf") {
		t.Errorf("undecodable %+v", res.Undecodable)
	}
	if len(res.Churn) != 0 {
		t.Errorf("churn on a live cluster: %+v", res.Churn)
	}
}

func TestLiveCluster(t *testing.T) {
	res := runLive(t, "")
	if len(res.Etcd.Members) != 1 {
		t.Fatalf("members %+v", res.Etcd.Members)
	}
	m := res.Etcd.Members[0]
	if m.Name != "m0" || m.Endpoint != srv.Endpoints()[0] || !m.Leader || m.DBSize == 0 || m.DBSizeInUse == 0 || m.RaftIndex == 0 || m.RaftTerm == 0 || m.Version == "" || m.Errors == nil || len(m.Errors) != 0 {
		t.Errorf("member %+v", m)
	}
	if len(res.Etcd.Alarms) != 0 || res.Etcd.QuotaBytes == nil || *res.Etcd.QuotaBytes != 2<<30 {
		t.Errorf("alarms %v, quota %v (want etcd's default 2 GiB)", res.Etcd.Alarms, res.Etcd.QuotaBytes)
	}
	if res.File == nil || res.File.Bytes != m.DBSize || res.File.LiveBytes != m.DBSizeInUse {
		t.Errorf("file %+v, leader %+v", res.File, m)
	}
	want := map[string]int64{}
	for id, n := range leaseKeys {
		want[strconv.FormatInt(int64(id), 16)] = int64(n)
	}
	got := map[string]int64{}
	for _, l := range res.Leases {
		got[l.ID] = l.Keys
		if l.TTL <= 0 || l.TTL > 900 {
			t.Errorf("lease %s: ttl %d", l.ID, l.TTL)
		}
	}
	if !maps.Equal(got, want) || res.Leases[0].Keys != 3 {
		t.Errorf("leases %+v, want keys per lease %v", res.Leases, want)
	}
}

func TestNarrowPrefix(t *testing.T) {
	// Below the root the owners lie outside what was read: the pod whose
	// ReplicaSet exists must not be reported, the other must.
	res := runLive(t, root+"/pods/")
	want := []OwnerGone{{Key: root + "/pods/shop/orphan", OwnerKind: "ReplicaSet", OwnerName: "gone-rs", OwnerUID: goneUID}}
	if !reflect.DeepEqual(res.Orphans.OwnerGone, want) {
		t.Errorf("owners gone %+v, want %+v", res.Orphans.OwnerGone, want)
	}
	if len(res.Segments) != 1 || res.Segments[0].Segment != "shop" || res.Segments[0].Keys != 2 || res.Totals.Keys != 2 {
		t.Errorf("segments %+v, totals %+v", res.Segments, res.Totals)
	}
	if len(res.OutsidePrefix) != 0 || len(res.Orphans.NamespaceGone) != 0 {
		t.Errorf("outside %+v, namespace gone %+v", res.OutsidePrefix, res.Orphans.NamespaceGone)
	}
}

func TestCancelKeepsWhatWasComputed(t *testing.T) {
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	var calls int
	res, err := Run(ctx, Options{
		Source:  live(t, srv),
		Decoder: decode.NewDecoder(),
		Root:    root,
		Prefix:  "/cancel/",
		Progress: func(done, total int64) {
			calls++
			if total != cancelKeys {
				t.Errorf("progress total %d, want %d", total, cancelKeys)
			}
			if done > 0 {
				cancel()
			}
		},
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Complete {
		t.Fatal("complete is true after a cancelled scan")
	}
	// Cancelled after the first batch: the batches already read are
	// counted, not the rest.
	if res.Totals.Keys == 0 || res.Totals.Keys >= cancelKeys || calls < 2 {
		t.Fatalf("%d of %d keys counted after cancel (%d progress calls)", res.Totals.Keys, cancelKeys, calls)
	}
	var segKeys int64
	for _, s := range res.Segments {
		segKeys += s.Keys
	}
	if segKeys != res.Totals.Keys || res.Totals.ValueBytes != 100*res.Totals.Keys || len(res.Largest) != DefaultTop {
		t.Errorf("partial figures do not add up: totals %+v, %d keys in segments, %d largest", res.Totals, segKeys, len(res.Largest))
	}
	b, err := json.Marshal(res)
	if err != nil || !strings.Contains(string(b), `"complete":false`) {
		t.Errorf("json %s, %v", b, err)
	}
}

// schemaOrder is the top-level fields of the JSON form, in order.
var schemaOrder = []string{"source", "prefix", "complete", "totals", "segments", "resources", "namespaces", "largest",
	"outsidePrefix", "encryption", "orphans", "terminating", "undecodable", "churn", "file", "etcd", "leases"}

func TestJSONShapeWhenEmpty(t *testing.T) {
	snap, err := snapshot.Open(fixtureDB)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	res, err := Run(testCtx(t), Options{Source: snap, Decoder: decode.NewDecoder(), Root: root, Prefix: "/nothing/here/"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	if keys := topKeys(t, b); !reflect.DeepEqual(keys, schemaOrder) {
		t.Fatalf("top-level keys %v, want %v", keys, schemaOrder)
	}
	want := `{"source":{"type":"snapshot","file":"` + fixtureDB + `","revision":1031,"compactRevision":0},"prefix":"/nothing/here/","complete":true,` +
		`"totals":{"keys":0,"valueBytes":0,"keyBytes":0},"segments":[],"resources":[],"namespaces":[],"largest":[],"outsidePrefix":[],"encryption":[],` +
		`"orphans":{"namespaceGone":[],"crdGone":[],"ownerGone":[]},"terminating":[],"undecodable":[],"churn":[],` +
		`"file":{"bytes":` + strconv.FormatInt(snap.DBSize(), 10) + `,"liveBytes":` + strconv.FormatInt(res.File.LiveBytes, 10) + `},` +
		`"etcd":{"members":[],"alarms":[],"quotaBytes":null},"leases":[]}`
	if string(b) != want {
		t.Errorf("json\n%s\nwant\n%s", b, want)
	}
}

// topKeys lists the keys of a JSON object in order.
func topKeys(t *testing.T, b []byte) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(b)))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", b)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// inventoryLine is one "/registry/<segment> N keys B bytes map[...]" line.
var inventoryLine = regexp.MustCompile(`^\s+/registry/(\S+)\s+(\d+) keys\s+(\d+) bytes\s+map\[(.*)\]$`)

// inventory reads the fixture's keys, value bytes and encodings per
// top-level segment.
func inventory(t *testing.T) map[string]Segment {
	t.Helper()
	f, err := os.Open("../../testdata/fixtures/k8s-1.37-coverage.inventory.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]Segment{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := inventoryLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		keys, _ := strconv.ParseInt(m[2], 10, 64)
		bytes, _ := strconv.ParseInt(m[3], 10, 64)
		out[m[1]] = Segment{Segment: m[1], Keys: keys, ValueBytes: bytes}
		inventoryEncodings[m[1]] = m[4]
	}
	if len(out) < 50 {
		t.Fatalf("inventory: only %d segments read", len(out))
	}
	return out
}

// inventoryEncodings is each segment's "cbor:3 json:5" from the inventory.
var inventoryEncodings = map[string]string{}

func runFixture(t *testing.T, dec *decode.Decoder, decrypting bool) (*Result, *snapshot.Snapshot) {
	t.Helper()
	snap, err := snapshot.Open(fixtureDB)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { snap.Close() })
	res, err := Run(testCtx(t), Options{Source: snap, Decoder: dec, Root: root, Decrypting: decrypting})
	if err != nil || !res.Complete {
		t.Fatalf("Run: %v (complete %v)", err, res.Complete)
	}
	return res, snap
}

func TestFixtureSegmentsMatchInventory(t *testing.T) {
	inv := inventory(t)
	res, _ := runFixture(t, decode.NewDecoder(), false)
	if len(res.Segments) != len(inv) {
		t.Errorf("%d segments, inventory has %d", len(res.Segments), len(inv))
	}
	var keys, bytes int64
	encBySegment := map[string]map[string]int64{}
	for _, r := range res.Resources {
		seg, _, _ := strings.Cut(r.Resource, "/")
		if encBySegment[seg] == nil {
			encBySegment[seg] = map[string]int64{}
		}
		for e, n := range r.Encodings {
			encBySegment[seg][e] += n
		}
	}
	for _, s := range res.Segments {
		want := inv[s.Segment]
		if s.Keys != want.Keys || s.ValueBytes != want.ValueBytes {
			t.Errorf("segment %s: %d keys %d bytes, inventory %d keys %d bytes", s.Segment, s.Keys, s.ValueBytes, want.Keys, want.ValueBytes)
		}
		keys += s.Keys
		bytes += s.ValueBytes
		// The inventory names an encrypted value's provider; the
		// encodings say "encrypted" (the provider is in encryption).
		wantEnc := map[string]int64{}
		for _, pair := range strings.Fields(inventoryEncodings[s.Segment]) {
			i := strings.LastIndexByte(pair, ':')
			name, n := pair[:i], pair[i+1:]
			if strings.HasPrefix(name, "encrypted:") {
				name = "encrypted"
			}
			v, _ := strconv.ParseInt(n, 10, 64)
			wantEnc[name] += v
		}
		if !maps.Equal(encBySegment[s.Segment], wantEnc) {
			t.Errorf("segment %s: encodings %v, inventory %v", s.Segment, encBySegment[s.Segment], wantEnc)
		}
	}
	if res.Totals.Keys != 683 || res.Totals.ValueBytes != 501833 || keys != 683 || bytes != 501833 {
		t.Errorf("totals %+v, segments add to %d keys %d bytes; inventory 683 keys 501833 bytes", res.Totals, keys, bytes)
	}
	// Per encoding, from the inventory's encoding lines.
	perEncoding := map[string]int64{}
	for _, r := range res.Resources {
		for e, n := range r.Encodings {
			perEncoding[e] += n
		}
	}
	if want := map[string]int64{"protobuf": 599, "json": 58, "cbor": 10, "encrypted": 16}; !maps.Equal(perEncoding, want) {
		t.Errorf("per encoding %v, inventory %v", perEncoding, want)
	}
	providers := map[string]int64{}
	for _, e := range res.Encryption {
		providers[e.Provider+":"+e.KeyName] = e.Values
		if e.Decryptable != nil {
			t.Errorf("%s:%s: decryptable %v without a config", e.Provider, e.KeyName, *e.Decryptable)
		}
	}
	if want := map[string]int64{"none:": 667, "aescbc:key1": 10, "secretbox:key1": 6}; !maps.Equal(providers, want) {
		t.Errorf("providers %v, want %v", providers, want)
	}
	if len(res.Undecodable) != 0 || len(res.OutsidePrefix) != 0 {
		t.Errorf("undecodable %+v, outside %+v", res.Undecodable, res.OutsidePrefix)
	}
}

func TestFixtureDecryptable(t *testing.T) {
	cfg, err := encryptionFixture()
	if err != nil {
		t.Fatal(err)
	}
	res, _ := runFixture(t, decode.NewDecoder(decode.WithDecrypter(cfg)), true)
	for _, e := range res.Encryption {
		switch {
		case e.Provider == "none" && e.Decryptable != nil:
			t.Errorf("values in clear: decryptable %v", *e.Decryptable)
		case e.Provider != "none" && (e.Decryptable == nil || !*e.Decryptable):
			t.Errorf("%s:%s: the fixture's config opens them, decryptable %v", e.Provider, e.KeyName, e.Decryptable)
		}
	}
}

// TestFixtureHistory holds the history figures against the file itself:
// every revision in its key bucket, counted and sized here with bbolt.
func TestFixtureHistory(t *testing.T) {
	res, snap := runFixture(t, decode.NewDecoder(), false)
	revs, sizes := map[string]int64{}, map[string]int64{}
	db, err := bolt.Open(fixtureDB, 0o444, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var fileRevs int64
	err = db.View(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("key")).ForEach(func(k, v []byte) error {
			var kv mvccpb.KeyValue
			if err := proto.Unmarshal(v, &kv); err != nil {
				return err
			}
			fileRevs++
			revs[string(kv.Key)]++
			sizes[string(kv.Key)] += int64(len(kv.Value))
			return nil
		})
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	var sumRevs, sumBytes, wantBytes int64
	for _, r := range res.Resources {
		sumRevs += r.HistoryRevisions
		sumBytes += r.HistoryBytes
	}
	for k := range revs {
		wantBytes += sizes[k]
	}
	if sumRevs != fileRevs || sumBytes != wantBytes {
		t.Errorf("history: %d revisions %d bytes, the file holds %d revisions %d bytes", sumRevs, sumBytes, fileRevs, wantBytes)
	}
	for _, r := range res.Resources {
		if r.HistoryRevisions < r.Keys || r.HistoryBytes < r.ValueBytes {
			t.Errorf("%s: %d revisions held for %d keys", r.Resource, r.HistoryRevisions, r.Keys)
		}
	}
	if len(res.Churn) != DefaultTop {
		t.Fatalf("%d churning keys, want %d", len(res.Churn), DefaultTop)
	}
	for i, c := range res.Churn {
		if revs[c.Key] != c.Revisions {
			t.Errorf("churn %s: %d revisions, the file holds %d", c.Key, c.Revisions, revs[c.Key])
		}
		if i > 0 && res.Churn[i-1].Revisions < c.Revisions {
			t.Errorf("churn not sorted: %+v", res.Churn)
		}
	}
	var most int64
	for _, n := range revs {
		most = max(most, n)
	}
	if res.Churn[0].Revisions != most {
		t.Errorf("churn starts at %d revisions, the most is %d", res.Churn[0].Revisions, most)
	}
	fi, err := os.Stat(fixtureDB)
	if err != nil {
		t.Fatal(err)
	}
	// The fixture was written by etcdctl snapshot save: a sha256 follows
	// the database.
	if res.File == nil || res.File.Bytes != fi.Size()-32 || res.File.Bytes != snap.DBSize() || res.File.LiveBytes <= 0 || res.File.LiveBytes > res.File.Bytes {
		t.Errorf("file %+v, file size %d", res.File, fi.Size())
	}
	if res.Source.Type != "snapshot" || res.Source.File != fixtureDB || res.Source.Revision != 1031 {
		t.Errorf("source %+v", res.Source)
	}
	if len(res.Etcd.Members) != 0 || len(res.Leases) != 0 {
		t.Errorf("etcd %+v, leases %+v on a snapshot", res.Etcd, res.Leases)
	}
}

// encryptionFixture is the config the fixture's API server ran with.
func encryptionFixture() (*encryption.Config, error) {
	cfg, err := encryption.LoadConfig("../../testdata/fixtures/encryption-config.yaml")
	if err != nil {
		return nil, err
	}
	return cfg.WithPrefixRoot(root), nil
}
