// Command etcdserver runs the embedded etcd that bench/run.sh and
// bench/stats.sh measure against, in its own process so the benchmark's
// memory figures are the client's alone. On first use it loads 1M keys
// into its data directory: with -dataset plain (run.sh) 50 resources × 20
// namespaces × 1,000 values of 200 bytes under /registry/; with -dataset
// kube (stats.sh) 20 namespaces of 50,000 Kubernetes objects of about
// 1 KB, protobuf as kube-apiserver stores them. -keys scales either down
// (run.sh --quick loads 10,000). Later runs reuse a data directory of
// the same size. It writes its client endpoint to a file and serves until
// interrupted.
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/etcdscope/etcdscope/etcdsrc/embedded"
	clientv3 "go.etcd.io/etcd/client/v3"
)

const (
	resources  = 50
	namespaces = 20
	batch      = 1000
	// loadedKey marks a data directory whose load finished; it lies
	// outside /registry/ so it is not measured.
	loadedKey = "/etcdscope-bench/loaded"
)

func main() {
	dir := flag.String("dir", "", "data directory (kept between runs)")
	endpointFile := flag.String("endpoint-file", "", "where to write the client endpoint once serving")
	dataset := flag.String("dataset", "plain", "what to load: plain (200-byte values) or kube (1 KB Kubernetes objects)")
	keys := flag.Int("keys", 1_000_000, "how many keys to load (objects, without kube's namespaces), a multiple of 1,000")
	flag.Parse()
	if err := run(*dir, *endpointFile, *dataset, *keys); err != nil {
		fmt.Fprintln(os.Stderr, "etcdserver:", err)
		os.Exit(1)
	}
}

func run(dir, endpointFile, dataset string, keys int) error {
	if dir == "" || endpointFile == "" {
		return fmt.Errorf("-dir and -endpoint-file are required")
	}
	loader := map[string]func(context.Context, *clientv3.Client, int) error{"plain": load, "kube": loadKube}[dataset]
	if loader == nil {
		return fmt.Errorf("-dataset %q: plain or kube", dataset)
	}
	// Both data sets are 20 namespaces of a whole number of objects of
	// each resource (plain: 50 resources; kube: shares in tenths).
	if keys <= 0 || keys%(namespaces*resources) != 0 || keys%(kubeNamespaces*kubeShares) != 0 {
		return fmt.Errorf("-keys %d: a positive multiple of %d", keys, namespaces*resources)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c, err := embedded.Start(ctx, embedded.Options{
		Dir:               dir,
		UnsafeNoFsync:     true, // a benchmark data set, rebuilt when lost
		MaxTxnOps:         batch,
		QuotaBackendBytes: 8 << 30,
	})
	if err != nil {
		return err
	}
	defer c.Stop()
	cli, err := c.Client()
	if err != nil {
		return err
	}
	defer cli.Close()
	start := time.Now()
	if err := loader(ctx, cli, keys); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "etcdserver: %s data set ready after %s\n", dataset, time.Since(start).Round(time.Second))
	if err := os.WriteFile(endpointFile, []byte(c.Endpoints()[0]+"\n"), 0o644); err != nil {
		return fmt.Errorf("write endpoint: %w", err)
	}
	<-ctx.Done()
	return nil
}

// load writes keys keys unless an earlier run did, in Txns of batch puts
// from a few writers at once.
func load(ctx context.Context, cli *clientv3.Client, keys int) error {
	done, err := alreadyLoaded(ctx, cli, keys)
	if err != nil || done {
		return err
	}
	objects := keys / (resources * namespaces)
	value := make([]byte, 200) // keys-only reads never carry it; it sizes the db
	for i := range value {
		value[i] = 'a' + byte(i%26)
	}
	err = inParallel(resources*namespaces, func(j int) error {
		res, ns := j/namespaces, j%namespaces
		ops := make([]clientv3.Op, 0, batch)
		for o := range objects {
			key := fmt.Sprintf("/registry/res%02d/ns%02d/obj-%04d", res, ns, o)
			ops = append(ops, clientv3.OpPut(key, string(value)))
			if len(ops) == batch || o == objects-1 {
				if _, err := cli.Txn(ctx).Then(ops...).Commit(); err != nil {
					return fmt.Errorf("load %s: %w", key, err)
				}
				ops = ops[:0]
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return markLoaded(ctx, cli, keys)
}

// loadWriters is how many writers load a data set at once.
const loadWriters = 4

// inParallel runs fn for jobs 0..n-1 on loadWriters goroutines and
// returns the first error; the jobs after a failure are skipped.
func inParallel(n int, fn func(job int) error) error {
	jobs := make(chan int)
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
	)
	for range loadWriters {
		wg.Go(func() {
			for j := range jobs {
				mu.Lock()
				failed := first != nil
				mu.Unlock()
				if failed {
					continue
				}
				if err := fn(j); err != nil {
					mu.Lock()
					first = cmp.Or(first, err)
					mu.Unlock()
				}
			}
		})
	}
	for j := range n {
		jobs <- j
	}
	close(jobs)
	wg.Wait()
	return first
}

// alreadyLoaded reports a data directory an earlier run finished loading
// with keys keys; one of another size is an error, not a reload, so a
// mistyped flag never rewrites a 1M-key directory.
func alreadyLoaded(ctx context.Context, cli *clientv3.Client, keys int) (bool, error) {
	resp, err := cli.Get(ctx, loadedKey)
	if err != nil {
		return false, fmt.Errorf("check earlier load: %w", err)
	}
	if len(resp.Kvs) == 0 {
		return false, nil
	}
	// Directories loaded before -keys existed hold a bare timestamp: 1M.
	had := 1_000_000
	if n, _, ok := strings.Cut(string(resp.Kvs[0].Value), " "); ok {
		if had, err = strconv.Atoi(n); err != nil {
			return false, fmt.Errorf("earlier load marker %q: %w", resp.Kvs[0].Value, err)
		}
	}
	if had != keys {
		return false, fmt.Errorf("the data directory holds %d keys, not -keys %d: use another -dir", had, keys)
	}
	return true, nil
}

// markLoaded records that the load of keys keys finished.
func markLoaded(ctx context.Context, cli *clientv3.Client, keys int) error {
	if _, err := cli.Put(ctx, loadedKey, strconv.Itoa(keys)+" "+time.Now().UTC().Format(time.RFC3339)); err != nil {
		return fmt.Errorf("mark load done: %w", err)
	}
	return nil
}
