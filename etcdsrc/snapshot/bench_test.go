package snapshot

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"go.etcd.io/etcd/api/v3/mvccpb"
	"go.etcd.io/etcd/server/v3/storage/schema"
	"google.golang.org/protobuf/proto"

	"github.com/etcdscope/etcdscope/etcdsrc"
)

// benchEnv names the snapshot file of the big benchmark; the benchmark
// is skipped without it, and writes the file first when it is missing.
// bench/snapshot.sh sets it.
const benchEnv = "ETCDSCOPE_SNAPSHOT_BENCH_FILE"

// benchKeys and benchValue are the budget's shape: 1M keys of ~1 KB, one
// revision each; ETCDSCOPE_BENCH_KEYS makes a smaller one (bench/run.sh
// --quick, with a file of its own).
var benchKeys = func() int {
	if n, err := strconv.Atoi(os.Getenv("ETCDSCOPE_BENCH_KEYS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}()

const benchValue = 1000

// BenchmarkOpen1M measures what the budget names: a snapshot of an etcd
// with 1M keys of ~1 KB (1M revisions), from Open to the first listing of
// /registry/, and the peak anonymous memory (RssAnon, which leaves out
// the mapped file) on the way. The budget is <= 2 s with the file in page
// cache and <= 200 MB; bench/snapshot.sh runs it and checks both.
func BenchmarkOpen1M(b *testing.B) {
	path := os.Getenv(benchEnv)
	if path == "" {
		b.Skipf("set %s to a file path (bench/snapshot.sh does) to run the 1M-key benchmark", benchEnv)
	}
	if _, err := os.Stat(path); err != nil {
		start := time.Now()
		if err := writeBenchSnapshot(path, benchKeys, benchValue); err != nil {
			b.Fatal(err)
		}
		b.Logf("wrote %s in %s", path, time.Since(start).Round(time.Second))
	}
	warmPageCache(b, path)
	debug.FreeOSMemory() // start from what the process needs, not what it used before
	base := rssAnon(b)

	var peak atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			peak.Store(max(peak.Load(), rssAnon(b)))
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()

	var s *Snapshot
	var page etcdsrc.ChildPage
	cpu0 := cpuTime(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if s != nil {
			s.Close()
		}
		var err error
		s, err = Open(path)
		if err != nil {
			b.Fatal(err)
		}
		page, err = s.Children(context.Background(), "/registry/", etcdsrc.ChildrenOptions{Limit: 100})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cpu := cpuTime(b) - cpu0
	close(stop)
	<-done
	peak.Store(max(peak.Load(), rssAnon(b)))
	defer s.Close()

	n, err := s.Count(context.Background(), "/registry/", 0)
	if err != nil || n != int64(benchKeys) || len(page.Children) == 0 {
		b.Fatalf("the benchmark snapshot holds %d keys (%v), %d children of /registry/; want %d keys", n, err, len(page.Children), benchKeys)
	}
	// On a shared machine the wall time includes waiting for a core; the
	// CPU time the process used tells the work apart from the wait.
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(peak.Load())/(1<<20), "MB-peak-RssAnon")
	b.ReportMetric(float64(peak.Load()-base)/(1<<20), "MB-peak-RssAnon-growth")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "MB-heap-after")
}

// cpuTime is the user and system CPU time the process used so far.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rssAnon reads the process's anonymous resident memory in bytes.
func rssAnon(tb testing.TB) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "RssAnon:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				tb.Fatal(err)
			}
			return kb << 10
		}
	}
	tb.Fatal("no RssAnon in /proc/self/status")
	return 0
}

// warmPageCache reads the file once so the budget's "file in page cache"
// holds.
func warmPageCache(tb testing.TB, path string) {
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if _, err := io.Copy(io.Discard, f); err != nil {
		tb.Fatal(err)
	}
}

// writeBenchSnapshot writes, directly with bbolt, what `etcdctl snapshot
// save` would write for an etcd that received n puts of distinct keys,
// one per revision, in an order unrelated to key order (as a cluster
// writes them): etcd's key bucket (revision → mvccpb.KeyValue), its meta
// bucket, the db copied out with tx.WriteTo as etcd's Snapshot does, and
// the sha256 appended. Writing through an embedded etcd gives the same
// bytes but takes many minutes for a million revisions.
func writeBenchSnapshot(path string, n, valueSize int) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".member-db"
	defer os.Remove(tmp)
	db, err := bolt.Open(tmp, 0o600, &bolt.Options{NoSync: true, NoFreelistSync: true, NoGrowSync: true})
	if err != nil {
		return err
	}
	defer db.Close()

	resources := []string{"pods", "configmaps", "secrets", "events", "services", "endpointslices",
		"replicasets", "deployments", "serviceaccounts", "leases"}
	const namespaces = 1000
	pad := strings.Repeat("x", valueSize)
	const perTx = 50_000
	for lo := 0; lo < n; lo += perTx {
		err := db.Update(func(tx *bolt.Tx) error {
			kb, err := tx.CreateBucketIfNotExists(schema.Key.Name())
			if err != nil {
				return err
			}
			kb.FillPercent = 0.9 // as etcd's sequential writes
			for i := lo; i < min(lo+perTx, n); i++ {
				// A fixed odd multiplier modulo n visits every key once, in
				// an order far from key order.
				k := int((uint64(i) * 2_654_435_761) % uint64(n))
				key := fmt.Sprintf("/registry/%s/ns-%04d/object-%07d", resources[k%len(resources)], (k/len(resources))%namespaces, k)
				main := int64(i + 2)
				kv := &mvccpb.KeyValue{Key: []byte(key), CreateRevision: main, ModRevision: main, Version: 1,
					Value: []byte(pad[:valueSize-len(key)] + key)}
				v, err := proto.Marshal(kv)
				if err != nil {
					return err
				}
				if err := kb.Put(revBytes(rev{main: main}), v); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		mb, err := tx.CreateBucketIfNotExists(schema.Meta.Name())
		if err != nil {
			return err
		}
		ci := make([]byte, 8)
		binary.BigEndian.PutUint64(ci, uint64(n+10))
		return mb.Put(schema.MetaConsistentIndexKeyName, ci)
	}); err != nil {
		return err
	}

	f, err := os.Create(path + ".part")
	if err != nil {
		return err
	}
	defer os.Remove(path + ".part")
	h := sha256.New()
	w := bufio.NewWriterSize(io.MultiWriter(f, h), 1<<20)
	if err := db.View(func(tx *bolt.Tx) error { _, err := tx.WriteTo(w); return err }); err != nil {
		f.Close()
		return err
	}
	if _, err := w.Write(h.Sum(nil)); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(path+".part", path)
}
