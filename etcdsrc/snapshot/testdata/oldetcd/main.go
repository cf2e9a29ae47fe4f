// Command makesnapshot writes a small etcd snapshot with the etcd server
// version of the go.mod it is built with, for etcdscope's tests of older
// etcd files. It is no part of etcdscope's module: make.sh builds it once
// per version, beside that version's go.mod (v3.5/, v3.6/), and the
// files it writes are committed.
//
// It starts an embedded etcd in a temporary directory, writes a few
// dozen Kubernetes keys copied from the fixture (with a history, a
// compaction and a deletion), saves a snapshot through the Maintenance
// Snapshot API and writes beside it what etcd itself then reports.
//
// Usage: makesnapshot FIXTURE.kv.jsonl OUT.db OUT.expected.json
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"go.etcd.io/etcd/api/v3/version"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
)

// kv is one line of the fixture.
type kv struct {
	Key   string `json:"key"`
	Value []byte `json:"value"`
}

// write is one change made, as the snapshot's history should show it.
type write struct {
	Key      string `json:"key"`
	Revision int64  `json:"revision"`
	// From is the fixture key whose value was written; empty for a deletion.
	From    string `json:"from,omitempty"`
	Deleted bool   `json:"deleted,omitempty"`
}

// live is a key etcd lists at the end, as it reports it.
type live struct {
	Key            string `json:"key"`
	From           string `json:"from"`
	CreateRevision int64  `json:"createRevision"`
	ModRevision    int64  `json:"modRevision"`
	Version        int64  `json:"version"`
}

// expected is what the test holds the snapshot to.
type expected struct {
	EtcdVersion     string  `json:"etcdVersion"`
	Revision        int64   `json:"revision"`
	CompactRevision int64   `json:"compactRevision"`
	Writes          []write `json:"writes"`
	Live            []live  `json:"live"`
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: makesnapshot FIXTURE.kv.jsonl OUT.db OUT.expected.json")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintln(os.Stderr, "makesnapshot:", err)
		os.Exit(1)
	}
}

func run(fixturePath, dbPath, expectedPath string) error {
	kvs, err := readFixture(fixturePath)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "makesnapshot-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	e, endpoint, err := start(dir)
	if err != nil {
		return err
	}
	defer e.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// A client over the network, as etcdctl would be.
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: 5 * time.Second})
	if err != nil {
		return err
	}
	defer cli.Close()

	exp := expected{EtcdVersion: version.Version}
	put := func(key string, from kv) error {
		resp, err := cli.Put(ctx, key, string(from.Value))
		if err != nil {
			return fmt.Errorf("put %s: %w", key, err)
		}
		exp.Writes = append(exp.Writes, write{Key: key, Revision: resp.Header.Revision, From: from.Key})
		return nil
	}
	// Every 16th fixture key: a few dozen of every kind and encoding.
	var picked []kv
	for i, k := range kvs {
		if i%16 == 0 {
			picked = append(picked, k)
		}
	}
	byPrefix := func(prefix string) []kv {
		var out []kv
		for _, k := range kvs {
			if strings.HasPrefix(k.Key, prefix) {
				out = append(out, k)
			}
		}
		return out
	}
	cms := byPrefix("/registry/configmaps/")
	if len(cms) < 6 {
		return fmt.Errorf("fixture has %d configmaps, want 6", len(cms))
	}
	// A key with a history: four values, of which the compaction keeps
	// the last two and the one before them.
	const hist = "/registry/configmaps/history/app-config"
	for _, v := range cms[:2] {
		if err := put(hist, v); err != nil {
			return err
		}
	}
	for _, k := range picked {
		if err := put(k.Key, k); err != nil {
			return err
		}
	}
	// A key that is deleted after the compaction, and one before it
	// that the compaction removes altogether.
	const gone = "/registry/configmaps/history/deleted"
	const goneEarly = "/registry/configmaps/history/deleted-early"
	if err := put(gone, cms[2]); err != nil {
		return err
	}
	if err := put(goneEarly, cms[3]); err != nil {
		return err
	}
	dresp, err := cli.Delete(ctx, goneEarly)
	if err != nil {
		return err
	}
	exp.Writes = append(exp.Writes, write{Key: goneEarly, Revision: dresp.Header.Revision, Deleted: true})
	if err := put(hist, cms[4]); err != nil {
		return err
	}
	compact := exp.Writes[len(exp.Writes)-1].Revision
	if _, err := cli.Compact(ctx, compact, clientv3.WithCompactPhysical()); err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	exp.CompactRevision = compact
	if err := put(hist, cms[5]); err != nil {
		return err
	}
	dresp, err = cli.Delete(ctx, gone)
	if err != nil {
		return err
	}
	exp.Writes = append(exp.Writes, write{Key: gone, Revision: dresp.Header.Revision, Deleted: true})

	// What etcd itself says is there at the end.
	from := map[string]string{}
	for _, w := range exp.Writes {
		if !w.Deleted {
			from[w.Key] = w.From
		}
	}
	resp, err := cli.Get(ctx, "", clientv3.WithPrefix())
	if err != nil {
		return err
	}
	exp.Revision = resp.Header.Revision
	for _, k := range resp.Kvs {
		exp.Live = append(exp.Live, live{Key: string(k.Key), From: from[string(k.Key)], CreateRevision: k.CreateRevision, ModRevision: k.ModRevision, Version: k.Version})
	}

	if err := saveSnapshot(ctx, cli, dbPath); err != nil {
		return err
	}
	b, err := json.MarshalIndent(exp, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(expectedPath, append(b, '\n'), 0o644)
}

// saveSnapshot streams the backend as etcdctl snapshot save does: the
// db followed by its sha256, as the server sends it.
func saveSnapshot(ctx context.Context, cli *clientv3.Client, path string) error {
	rc, err := cli.Snapshot(ctx)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	defer rc.Close()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, rc); err != nil {
		f.Close()
		return fmt.Errorf("snapshot: %w", err)
	}
	return f.Close()
}

func readFixture(path string) ([]kv, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []kv
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var k kv
		if err := json.Unmarshal(sc.Bytes(), &k); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, sc.Err()
}

// freeURL is a loopback URL on a port nobody listens on now.
func freeURL() (url.URL, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return url.URL{}, err
	}
	defer l.Close()
	return url.URL{Scheme: "http", Host: l.Addr().String()}, nil
}

// start runs one member in dir on loopback and returns its client URL.
func start(dir string) (*embed.Etcd, string, error) {
	curl, err := freeURL()
	if err != nil {
		return nil, "", err
	}
	purl, err := freeURL()
	if err != nil {
		return nil, "", err
	}
	cfg := embed.NewConfig()
	cfg.Name = "old"
	cfg.Dir = dir
	cfg.LogLevel = "error"
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{curl}, []url.URL{curl}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{purl}, []url.URL{purl}
	cfg.InitialCluster = cfg.Name + "=" + purl.String()
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, "", err
	}
	select {
	case <-e.Server.ReadyNotify():
		return e, curl.String(), nil
	case <-time.After(30 * time.Second):
		e.Close()
		return nil, "", fmt.Errorf("etcd did not start")
	}
}
