//go:build bench1m

package bench

import (
	"bufio"
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/etcdscope/etcdscope/etcdsrc"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// The data set bench/etcdserver loads.
const (
	root         = "/registry/"
	wantChildren = 50
)

// perChild is how many keys each child of the root holds.
var perChild = int64(benchKeys() / wantChildren)

// benchKeys is the size of the data sets, ETCDSCOPE_BENCH_KEYS (run.sh
// --quick loads 10,000), 1M when unset.
func benchKeys() int {
	n, err := strconv.Atoi(os.Getenv("ETCDSCOPE_BENCH_KEYS"))
	if err != nil || n <= 0 {
		return 1_000_000
	}
	return n
}

func endpoint(b *testing.B) string {
	ep := os.Getenv("ETCDSCOPE_BENCH_ENDPOINT")
	if ep == "" {
		b.Skip("ETCDSCOPE_BENCH_ENDPOINT is not set: run bench/run.sh")
	}
	return ep
}

func live(b *testing.B) *etcdsrc.Live {
	cfg := etcdsrc.DefaultConfig()
	cfg.Endpoints = []string{endpoint(b)}
	cfg.CommandTimeout = time.Minute
	l, err := etcdsrc.NewLive(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	return l
}

// rssAnon reads this process's anonymous resident memory in bytes.
func rssAnon() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "RssAnon:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// peakRSS samples RssAnon every millisecond while fn runs; it starts from
// a collected heap so each figure is its own.
func peakRSS(fn func()) int64 {
	runtime.GC()
	debug.FreeOSMemory()
	var peak atomic.Int64
	peak.Store(rssAnon())
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if r := rssAnon(); r > peak.Load() {
					peak.Store(r)
				}
			}
		}
	})
	fn()
	close(done)
	wg.Wait()
	if r := rssAnon(); r > peak.Load() {
		peak.Store(r)
	}
	return peak.Load()
}

func reportRSS(b *testing.B, peak int64) {
	b.ReportMetric(float64(peak)/(1<<20), "peak-rssanon-MB")
}

// serverCPU is the etcd process's CPU time so far (user + system), when
// run.sh says which process it is. On a busy machine wall time is mostly
// waiting for a core; the CPU time etcd spends is the work each way costs.
func serverCPU() time.Duration {
	pid := os.Getenv("ETCDSCOPE_BENCH_SERVER_PID")
	if pid == "" {
		return 0
	}
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	// The fields after the command name, which is in parentheses.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

// measure runs fn under the RSS sampler and reports the peak and the
// server CPU time per iteration.
func measure(b *testing.B, fn func()) {
	cpu := serverCPU()
	reportRSS(b, peakRSS(fn))
	b.ReportMetric(float64(serverCPU()-cpu)/float64(time.Millisecond)/float64(b.N), "server-cpu-ms/op")
}

// BenchmarkChildren1M lists the 50 children of /registry/ over 1M keys:
// the floor (one narrow range of one key per child, one after another),
// etcdscope's names, then names with per-child counts in one call, against
// what `etcdctl get /registry/ --prefix --keys-only` does, folded by
// segment. names and counts report their ratio to the floor of the same
// run as x-floor.
func BenchmarkChildren1M(b *testing.B) {
	ctx := context.Background()
	var floor float64 // ns per listing at the floor
	b.Run("floor", func(b *testing.B) {
		l := live(b)
		page, err := l.Children(ctx, root, etcdsrc.ChildrenOptions{})
		if err != nil || len(page.Children) != wantChildren {
			b.Fatalf("%d children, %v", len(page.Children), err)
		}
		cli := l.Client()
		// One key of each child, found before the clock starts.
		keys := make([]string, len(page.Children))
		for i, c := range page.Children {
			resp, err := cli.Get(ctx, c.Key, clientv3.WithPrefix(), clientv3.WithKeysOnly(), clientv3.WithLimit(1), clientv3.WithRev(page.Rev))
			if err != nil || len(resp.Kvs) != 1 {
				b.Fatalf("first key of %s: %v", c.Key, err)
			}
			keys[i] = string(resp.Kvs[0].Key)
		}
		before := l.RoundTrips()
		measure(b, func() {
			for b.Loop() {
				for _, k := range keys {
					resp, err := cli.Get(ctx, k, clientv3.WithRange(k+"\x00"), clientv3.WithKeysOnly(), clientv3.WithRev(page.Rev), clientv3.WithSerializable())
					if err != nil || len(resp.Kvs) != 1 {
						b.Fatalf("narrow range of %s: %v", k, err)
					}
				}
			}
		})
		floor = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		b.ReportMetric(float64(l.RoundTrips()-before)/float64(b.N), "roundtrips/op")
	})
	listing := func(opts etcdsrc.ChildrenOptions) func(b *testing.B) {
		return func(b *testing.B) {
			l := live(b)
			before := l.RoundTrips()
			measure(b, func() {
				for b.Loop() {
					page, err := l.Children(ctx, root, opts)
					if err != nil || len(page.Children) != wantChildren {
						b.Fatalf("%d children, %v", len(page.Children), err)
					}
					if opts.Counts {
						for _, c := range page.Children {
							if c.Count != perChild {
								b.Fatalf("count of %s is %d, want %d", c.Key, c.Count, perChild)
							}
						}
					}
				}
			})
			if floor > 0 {
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/floor, "x-floor")
			}
			b.ReportMetric(float64(l.RoundTrips()-before)/float64(b.N), "roundtrips/op")
		}
	}
	b.Run("names", listing(etcdsrc.ChildrenOptions{}))
	b.Run("counts", listing(etcdsrc.ChildrenOptions{Counts: true}))
	b.Run("etcdctl-scan", func(b *testing.B) {
		cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint(b)}, Logger: zap.NewNop()})
		if err != nil {
			b.Fatal(err)
		}
		defer cli.Close()
		measure(b, func() {
			for b.Loop() {
				resp, err := cli.Get(ctx, root, clientv3.WithPrefix(), clientv3.WithKeysOnly())
				if err != nil {
					b.Fatal(err)
				}
				seen := map[string]int{}
				for _, kv := range resp.Kvs {
					seg, _, _ := strings.Cut(string(kv.Key[len(root):]), "/")
					seen[seg]++
				}
				if len(seen) != wantChildren {
					b.Fatalf("%d children", len(seen))
				}
			}
		})
		b.ReportMetric(1, "roundtrips/op")
	})
}
