package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/etcdscope/etcdscope/decode/fixture"
	"github.com/etcdscope/etcdscope/etcdsrc/stats"
)

// statsJSON runs stats -o json and parses its output.
func statsJSON(t *testing.T, args ...string) (stats.Result, result) {
	t.Helper()
	r := etcdscope(t, "", append(args, "-o", "json")...).mustSucceed(t)
	var res stats.Result
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("stats -o json: %v\n%s", err, r.stdout)
	}
	return res, r
}

func TestStatsLive(t *testing.T) {
	kvs, err := fixture.KVs()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]int64{}
	for _, kv := range kvs {
		seg := strings.Split(kv.Key, "/")[2]
		w := want[seg]
		want[seg] = [2]int64{w[0] + 1, w[1] + int64(len(kv.Value))}
	}
	res, r := statsJSON(t, "stats")
	if !res.Complete || res.Source.Type != "live" || res.Source.Endpoint != testEndpoints || res.Prefix != "/registry/" {
		t.Errorf("complete %v, source %+v, prefix %q", res.Complete, res.Source, res.Prefix)
	}
	if len(res.Segments) != len(want) {
		t.Errorf("%d segments, the fixture has %d", len(res.Segments), len(want))
	}
	for _, s := range res.Segments {
		if w := want[s.Segment]; s.Keys != w[0] || s.ValueBytes != w[1] {
			t.Errorf("segment %s: %d keys %d bytes, fixture %v", s.Segment, s.Keys, s.ValueBytes, w)
		}
	}
	outside := false
	for _, o := range res.OutsidePrefix {
		outside = outside || (o.Key == "/test" && o.Keys > 0)
	}
	if !outside || len(res.Etcd.Members) != 1 || !res.Etcd.Members[0].Leader {
		t.Errorf("outside %+v, etcd %+v", res.OutsidePrefix, res.Etcd)
	}
	if strings.Contains(r.stderr, "\r") {
		t.Errorf("progress drawn on a stderr that is not a terminal: %q", r.stderr)
	}
	// A prefix argument is a directory, given with or without its slash.
	narrow, _ := statsJSON(t, "stats", "/registry/configmaps")
	if narrow.Prefix != "/registry/configmaps/" || narrow.Totals.Keys != want["configmaps"][0] {
		t.Errorf("stats /registry/configmaps: prefix %q, %d keys", narrow.Prefix, narrow.Totals.Keys)
	}

	table := etcdscope(t, "", "stats", "--top", "3").mustSucceed(t)
	for _, s := range []string{"by segment under /registry/", "by resource", "ConfigMap", "encryption at rest", "aescbc:key1",
		"no orphans", "etcd members", "leader", "outside the prefix root", "/test"} {
		if !strings.Contains(table.stdout, s) {
			t.Errorf("readable stats lack %q:\n%s", s, table.stdout)
		}
	}
}

func TestStatsSnapshot(t *testing.T) {
	res, _ := statsJSON(t, "--snapshot", fixture.SnapshotPath(), "stats", "--top", "5")
	if res.Source.Type != "snapshot" || res.Source.Revision != 1031 || res.Totals.Keys != 683 || len(res.Largest) != 5 || len(res.Churn) != 5 || res.File == nil {
		t.Errorf("source %+v, totals %+v, %d largest, %d churn, file %v", res.Source, res.Totals, len(res.Largest), len(res.Churn), res.File)
	}
	table := etcdscope(t, "", "--snapshot", fixture.SnapshotPath(), "stats").mustSucceed(t)
	for _, s := range []string{"REVISIONS HELD", "keys with the most revisions held", "a defrag would give back"} {
		if !strings.Contains(table.stdout, s) {
			t.Errorf("readable snapshot stats lack %q", s)
		}
	}
}

func TestStatsErrors(t *testing.T) {
	etcdscope(t, "", "stats", "--top", "0").mustFail(t, "--top")
	etcdscope(t, "", "stats", "-o", "yaml").mustFail(t, "unknown output format")
	etcdscope(t, "", "--endpoints", "127.0.0.1:1", "--dial-timeout", "300ms", "stats").mustFail(t, "127.0.0.1:1")
}

func TestStatsInterrupted(t *testing.T) {
	t.Run("before the scan", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		r := etcdscopeCtx(t, ctx, "", nil, "stats")
		if r.code != 130 || r.stdout != "" || strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, "interrupted") {
			t.Fatalf("exit %d, stdout %q, stderr %q; want 130 and one line", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("during the scan", func(t *testing.T) {
		a := &app{in: strings.NewReader(""), errOut: io.Discard, getenv: func(string) string { return "" }}
		var out bytes.Buffer
		a.out = &out
		root := newRootCmd(a)
		if err := root.ParseFlags([]string{"--endpoints", testEndpoints}); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		root.SetContext(ctx)
		s, err := a.openSession(root)
		if err != nil {
			t.Fatal(err)
		}
		defer s.src.Close()
		err = runStats(ctx, a, s, statsRun{prefix: s.rootDir(), format: outputJSON, top: 20, progress: func(done, total int64) {
			if done > 0 {
				cancel()
			}
		}})
		var exit *exitError
		if !errors.As(err, &exit) || exit.code != 130 {
			t.Fatalf("runStats after ctrl-c: %v, want exit 130", err)
		}
		var res stats.Result
		if err := json.Unmarshal(out.Bytes(), &res); err != nil || res.Complete || res.Totals.Keys == 0 {
			t.Fatalf("partial output (complete %v, %d keys), %v:\n%s", res.Complete, res.Totals.Keys, err, out.String())
		}
	})
}
