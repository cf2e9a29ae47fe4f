// Command writer puts a bounded burst of changes into the bench etcd at a
// set rate, in Txns, for the explorer-at-scale budget (bench/explorer.sh):
// half the events create keys under the prefix (spread over 20
// namespaces), a quarter update keys it created in earlier Txns and a
// quarter delete them, oldest first, so both the keys and the counts of
// the levels under the prefix move. With -clean it deletes every key it
// may have written instead and compacts the history, so the data set is
// as it was loaded.
//
// It prints one line: the events written, the time taken, the achieved
// rate and the net change of the number of keys under the prefix.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// namespaces is how many directories under the prefix the keys spread
// over, as the bench data set's 20 namespaces.
const namespaces = 20

// tick is how often the writer sends what is due, so a Txn carries the
// events of a few milliseconds, as a busy cluster's writes come in.
const tick = 5 * time.Millisecond

// maxTxn bounds one Txn's ops (bench/etcdserver allows 1,000); a writer
// that falls behind catches up with bigger Txns up to it.
const maxTxn = 1000

func main() {
	endpoint := flag.String("endpoint", "", "etcd client endpoint")
	prefix := flag.String("prefix", "/registry/res07/", "directory to write under (ends in /)")
	rate := flag.Int("rate", 10_000, "events per second")
	total := flag.Int("total", 100_000, "events in all")
	clean := flag.Bool("clean", false, "delete what a writer may have put under the prefix, and nothing else")
	flag.Parse()
	if err := run(*endpoint, *prefix, *rate, *total, *clean); err != nil {
		fmt.Fprintln(os.Stderr, "writer:", err)
		os.Exit(1)
	}
}

func run(endpoint, prefix string, rate, total int, clean bool) error {
	if endpoint == "" || !strings.HasSuffix(prefix, "/") || rate <= 0 || total < 0 {
		return fmt.Errorf("-endpoint, a -prefix ending in /, a positive -rate and a -total >= 0 are required")
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, Logger: zap.NewNop(), DialTimeout: 10 * time.Second})
	if err != nil {
		return err
	}
	defer cli.Close()
	ctx := context.Background()
	if clean {
		var n int64
		for ns := range namespaces {
			resp, err := cli.Delete(ctx, keyDir(prefix, ns)+"w-", clientv3.WithPrefix())
			if err != nil {
				return fmt.Errorf("clean: %w", err)
			}
			n += resp.Deleted
		}
		// Deleted keys stay in etcd's index, as tombstones, until a
		// compaction: without one every burst would leave the data set
		// slower to count (each run of explorer.sh adds about 50k).
		status, err := cli.Get(ctx, "\x00", clientv3.WithCountOnly())
		if err != nil {
			return fmt.Errorf("clean: %w", err)
		}
		// Nothing written since the last compaction: already compacted there.
		if _, err := cli.Compact(ctx, status.Header.Revision, clientv3.WithCompactPhysical()); err != nil && !errors.Is(err, rpctypes.ErrCompacted) {
			return fmt.Errorf("clean: compact: %w", err)
		}
		fmt.Printf("writer: cleaned %d keys under %s, compacted at rev %d\n", n, prefix, status.Header.Revision)
		return nil
	}
	value := strings.Repeat("v", 200)
	var (
		live    []int // keys created in earlier Txns and not deleted, oldest first
		created int
		sent    int
		txns    int
		start   = time.Now()
	)
	for sent < total {
		due := min(int(float64(rate)*time.Since(start).Seconds()), total) - sent
		if due <= 0 {
			time.Sleep(tick)
			continue
		}
		if due < rate/int(time.Second/tick) && sent+due < total {
			time.Sleep(tick)
			continue
		}
		n := min(due, maxTxn)
		ops := make([]clientv3.Op, 0, n)
		var made []int
		// Updates take the newest live keys, deletes the oldest: never
		// one key twice in a Txn, which etcd refuses.
		upd, del := len(live)-1, 0
		for i := range n {
			switch e := sent + i; {
			case e%4 == 1 && upd >= del:
				ops = append(ops, clientv3.OpPut(key(prefix, live[upd]), value))
				upd--
			case e%4 == 3 && del <= upd:
				ops = append(ops, clientv3.OpDelete(key(prefix, live[del])))
				del++
			default:
				ops = append(ops, clientv3.OpPut(key(prefix, created), value))
				made = append(made, created)
				created++
			}
		}
		if _, err := cli.Txn(ctx).Then(ops...).Commit(); err != nil {
			return fmt.Errorf("txn %d: %w", txns, err)
		}
		live = append(live[del:], made...)
		sent += n
		txns++
	}
	took := time.Since(start)
	fmt.Printf("writer: %d events in %d txns in %.2f s: %.0f events/s (asked %d); %+d keys under %s\n",
		sent, txns, took.Seconds(), float64(sent)/took.Seconds(), rate, len(live), prefix)
	return nil
}

// keyDir is the directory of the ns'th namespace under the prefix.
func keyDir(prefix string, ns int) string { return fmt.Sprintf("%sns%02d/", prefix, ns) }

// key is the writer's i'th key.
func key(prefix string, i int) string {
	return fmt.Sprintf("%sw-%07d", keyDir(prefix, i%namespaces), i)
}
