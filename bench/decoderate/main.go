// Command decoderate measures the decode-throughput budget: every live
// value of the real fixture set (testdata/fixtures, every encoding, the
// encrypted ones decrypted with the fixture's EncryptionConfiguration)
// replicated to -values values, each decoded and presented as YAML the
// way `etcdscope get` prints it, one after another on one goroutine. It
// prints the values per second and the p50, p99 and largest time of one
// value, and the budget of a typical Pod's decode + YAML (300 µs) against
// the p50 of the fixture's Pods.
package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/decode/encryption"
	"github.com/etcdscope/etcdscope/decode/fixture"
)

func main() {
	n := flag.Int("values", 100_000, "how many values to decode (the fixture set, replicated)")
	flag.Parse()
	if err := run(*n); err != nil {
		fmt.Fprintln(os.Stderr, "decoderate:", err)
		os.Exit(1)
	}
}

func run(n int) error {
	kvs, err := fixture.KVs()
	if err != nil {
		return err
	}
	if len(kvs) == 0 || n <= 0 {
		return fmt.Errorf("%d fixture values, -values %d", len(kvs), n)
	}
	cfg, err := encryption.LoadConfig(fixture.EncryptionConfigPath())
	if err != nil {
		return err
	}
	dec := decode.NewDecoder(decode.WithDecrypter(cfg))
	times := make([]time.Duration, n)
	var pods []time.Duration
	var bytes int64
	start := time.Now()
	for i := range n {
		kv := &kvs[i%len(kvs)]
		t0 := time.Now()
		v := dec.Decode(kv.Key, kv.Value, &decode.KeyMeta{CreateRevision: kv.CreateRevision, ModRevision: kv.ModRevision, Version: kv.Version, Lease: kv.Lease})
		doc := decode.Present(v, decode.PresentOptions{})
		times[i] = time.Since(t0)
		if v.Err != nil || doc.Text == "" {
			return fmt.Errorf("%s: %v (note %q)", kv.Key, v.Err, doc.Note)
		}
		bytes += int64(len(kv.Value))
		if strings.HasPrefix(kv.Key, "/registry/pods/") {
			pods = append(pods, times[i])
		}
	}
	took := time.Since(start)
	slices.Sort(times)
	slices.Sort(pods)
	pct := func(d []time.Duration, p float64) time.Duration {
		if len(d) == 0 {
			return 0
		}
		return d[min(int(float64(len(d))*p), len(d)-1)]
	}
	fmt.Printf("decoderate: %d values (%d fixture values replicated, %.1f MB) in %.2f s: %.0f values/s\n",
		n, len(kvs), float64(bytes)/(1<<20), took.Seconds(), float64(n)/took.Seconds())
	fmt.Printf("decoderate: per value p50 %.1f µs, p99 %.1f µs, max %.1f µs; Pods (%d) p50 %.1f µs, p99 %.1f µs\n",
		us(pct(times, 0.5)), us(pct(times, 0.99)), us(times[n-1]), len(pods), us(pct(pods, 0.5)), us(pct(pods, 0.99)))
	return nil
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
