package etcdsrc

import (
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"
)

func TestHealth(t *testing.T) {
	h, err := dial(t, srv).Health(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Members) != 1 || len(h.Endpoints) != 1 || len(h.Alarms) != 0 || len(h.Notes) != 0 {
		t.Fatalf("health %+v", h)
	}
	m := h.Members[0]
	if m.Name != "m0" || m.Endpoint != srv.Endpoints()[0] || !m.Leader || m.ID == 0 || m.DBSize <= 0 || m.DBSizeInUse <= 0 ||
		m.DBSizeQuota != 2<<30 || m.RaftIndex == 0 || m.RaftTerm == 0 || m.Version == "" || len(m.Errors) != 0 {
		t.Errorf("member %+v", m)
	}
}

func TestCompactRevision(t *testing.T) {
	// The server without RangeStream is never compacted by these tests.
	if c, err := dial(t, oldSrv).CompactRevision(testCtx(t)); err != nil || c != 0 {
		t.Errorf("never compacted: %d, %v; want 0", c, err)
	}
	rev := mustPut(t, srvCli, "/compact-rev/k", "v")
	if _, err := srvCli.Compact(testCtx(t), rev); err != nil {
		t.Fatal(err)
	}
	if c, err := dial(t, srv).CompactRevision(testCtx(t)); err != nil || c != rev {
		t.Errorf("compacted at %d: %d, %v", rev, c, err)
	}
}

func TestLeases(t *testing.T) {
	ctx := testCtx(t)
	clearPrefix(t, srvCli, "/leases/")
	lease, err := srvCli.Grant(ctx, 600)
	if err != nil {
		t.Fatal(err)
	}
	defer srvCli.Revoke(ctx, lease.ID)
	mustPut(t, srvCli, "/leases/a", "1", clientv3.WithLease(lease.ID))
	mustPut(t, srvCli, "/leases/b", "2", clientv3.WithLease(lease.ID))
	ls, err := dial(t, srv).Leases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		if l.ID == int64(lease.ID) {
			if l.Keys != 2 || l.GrantedTTL != 600 || l.TTL <= 0 || l.TTL > 600 {
				t.Errorf("lease %+v", l)
			}
			return
		}
	}
	t.Errorf("lease %x not listed: %+v", lease.ID, ls)
}
