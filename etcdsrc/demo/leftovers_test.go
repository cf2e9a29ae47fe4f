package demo

import (
	"strings"
	"testing"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc"
	"github.com/etcdscope/etcdscope/etcdsrc/stats"
)

// TestLeftoversAreWhatStatsFinds seeds a cluster with its leftovers and
// checks that stats finds exactly them: each leftover, and nothing else
// in the rest of a realistic cluster.
func TestLeftoversAreWhatStatsFinds(t *testing.T) {
	ctx := testCtx(t)
	const root = "/leftovers"
	if _, err := Seed(ctx, cli, Options{Root: root, Namespaces: 5, Seed: 4, Leftovers: true}); err != nil {
		t.Fatalf("Seed: %v", err)
	}
	src := etcdsrc.NewLiveFromClient(cli, etcdsrc.Config{})
	defer src.Close()
	res, err := stats.Run(ctx, stats.Options{Source: src, Decoder: decode.NewDecoder(), Root: root})
	if err != nil || !res.Complete {
		t.Fatalf("stats: %v (complete %v)", err, res.Complete)
	}
	o := res.Orphans
	if len(o.NamespaceGone) != 2 {
		t.Errorf("namespace gone: %+v, want the ConfigMap and ServiceAccount of %s", o.NamespaceGone, LeftoverNamespace)
	}
	for _, g := range o.NamespaceGone {
		if g.Namespace != LeftoverNamespace {
			t.Errorf("namespace gone: %+v", g)
		}
	}
	if len(o.CRDGone) != 1 || o.CRDGone[0].CRD != LeftoverCRD || o.CRDGone[0].Key != root+"/cache.example.com/redises/shop/sessions" {
		t.Errorf("crd gone: %+v", o.CRDGone)
	}
	if len(o.OwnerGone) != 1 || o.OwnerGone[0].OwnerKind != "ReplicaSet" || !strings.HasPrefix(o.OwnerGone[0].Key, root+"/pods/shop/batch-worker-") {
		t.Errorf("owner gone: %+v", o.OwnerGone)
	}
	if len(res.Terminating) != 1 || res.Terminating[0].Key != root+"/persistentvolumeclaims/shop/data-old-db-0" ||
		len(res.Terminating[0].Finalizers) != 1 || res.Terminating[0].Finalizers[0] != "kubernetes.io/pvc-protection" {
		t.Errorf("terminating: %+v", res.Terminating)
	}
	if len(res.Undecodable) != 0 {
		t.Errorf("undecodable: %+v", res.Undecodable)
	}
}
