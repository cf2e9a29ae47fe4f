// Command etcdserver runs the embedded etcd that bench/run.sh measures
// against, in its own process so the benchmark's memory figures are the
// client's alone. On first use it loads 1M keys (50 resources × 20
// namespaces × 1,000 objects under /registry/) into its data directory;
// later runs reuse them. It writes its client endpoint to a file and
// serves until interrupted.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/etcdscope/etcdscope/etcdsrc/embedded"
	clientv3 "go.etcd.io/etcd/client/v3"
)

const (
	resources  = 50
	namespaces = 20
	objects    = 1000
	batch      = 1000
	// loadedKey marks a data directory whose load finished; it lies
	// outside /registry/ so it is not measured.
	loadedKey = "/etcdscope-bench/loaded"
)

func main() {
	dir := flag.String("dir", "", "data directory (kept between runs)")
	endpointFile := flag.String("endpoint-file", "", "where to write the client endpoint once serving")
	flag.Parse()
	if err := run(*dir, *endpointFile); err != nil {
		fmt.Fprintln(os.Stderr, "etcdserver:", err)
		os.Exit(1)
	}
}

func run(dir, endpointFile string) error {
	if dir == "" || endpointFile == "" {
		return fmt.Errorf("-dir and -endpoint-file are required")
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
	if err := load(ctx, cli); err != nil {
		return err
	}
	if err := os.WriteFile(endpointFile, []byte(c.Endpoints()[0]+"\n"), 0o644); err != nil {
		return fmt.Errorf("write endpoint: %w", err)
	}
	<-ctx.Done()
	return nil
}

// load writes the keys unless an earlier run did, in Txns of batch puts
// from a few writers at once.
func load(ctx context.Context, cli *clientv3.Client) error {
	resp, err := cli.Get(ctx, loadedKey)
	if err != nil {
		return fmt.Errorf("check earlier load: %w", err)
	}
	if len(resp.Kvs) > 0 {
		return nil
	}
	start := time.Now()
	value := make([]byte, 200) // keys-only reads never carry it; it sizes the db
	for i := range value {
		value[i] = 'a' + byte(i%26)
	}
	type job struct{ res, ns int }
	jobs := make(chan job)
	errs := make(chan error, resources*namespaces)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for j := range jobs {
				ops := make([]clientv3.Op, 0, batch)
				for o := range objects {
					key := fmt.Sprintf("/registry/res%02d/ns%02d/obj-%04d", j.res, j.ns, o)
					ops = append(ops, clientv3.OpPut(key, string(value)))
					if len(ops) == batch {
						if _, err := cli.Txn(ctx).Then(ops...).Commit(); err != nil {
							errs <- fmt.Errorf("load %s: %w", key, err)
							return
						}
						ops = ops[:0]
					}
				}
			}
		})
	}
	for r := range resources {
		for n := range namespaces {
			jobs <- job{r, n}
		}
	}
	close(jobs)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	if _, err := cli.Put(ctx, loadedKey, time.Now().UTC().Format(time.RFC3339)); err != nil {
		return fmt.Errorf("mark load done: %w", err)
	}
	fmt.Fprintf(os.Stderr, "etcdserver: loaded %d keys in %s\n", resources*namespaces*objects, time.Since(start).Round(time.Second))
	return nil
}
