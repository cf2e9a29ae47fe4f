package stats

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc/embedded"
)

// TestNoSpaceAlarm drives an etcd with a small quota into its NOSPACE
// alarm (a fault of its own: a cluster of its own) and checks that stats
// still reads every key and shows the alarm and the quota.
func TestNoSpaceAlarm(t *testing.T) {
	const quota = 4 << 20
	ctx := testCtx(t)
	c, err := embedded.Start(ctx, embedded.Options{QuotaBackendBytes: quota})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	full, err := c.Client()
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	value := strings.Repeat("x", 256<<10)
	written := 0
	for ; ; written++ {
		_, err := full.Put(ctx, fmt.Sprintf("%s/configmaps/fill/v%03d", root, written), value)
		if errors.Is(err, rpctypes.ErrGRPCNoSpace) || (err != nil && strings.Contains(err.Error(), rpctypes.ErrNoSpace.Error())) {
			break
		}
		if err != nil {
			t.Fatalf("put %d: %v", written, err)
		}
		if written > 100 {
			t.Fatal("no NOSPACE alarm after 25 MiB written")
		}
	}
	res, err := Run(ctx, Options{Source: live(t, c), Decoder: decode.NewDecoder(), Root: root})
	if err != nil || !res.Complete {
		t.Fatalf("Run on a cluster out of space: %v (complete %v)", err, res.Complete)
	}
	// The put that raised the alarm may or may not have been applied:
	// what is stored is what etcd counts.
	stored, err := full.Get(ctx, root+"/", clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil {
		t.Fatal(err)
	}
	if res.Totals.Keys != stored.Count || res.Totals.Keys < int64(written) || res.Totals.ValueBytes != res.Totals.Keys*int64(len(value)) {
		t.Errorf("totals %+v; etcd holds %d keys of %d bytes (%d puts succeeded)", res.Totals, stored.Count, len(value), written)
	}
	if len(res.Etcd.Alarms) != 1 || res.Etcd.Alarms[0] != "NOSPACE" {
		t.Errorf("alarms %v, want [NOSPACE]", res.Etcd.Alarms)
	}
	if res.Etcd.QuotaBytes == nil || *res.Etcd.QuotaBytes != quota {
		t.Errorf("quota %v, want %d", res.Etcd.QuotaBytes, quota)
	}
	// Values that do not parse as Kubernetes objects are text, not errors.
	if len(res.Undecodable) != 0 {
		t.Errorf("undecodable %+v", res.Undecodable)
	}
}
