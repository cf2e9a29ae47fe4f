package main

import (
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/etcdscope/etcdscope/cmd/etcdscope/internal/initgc"
	"github.com/etcdscope/etcdscope/cmd/etcdscope/internal/lazymetrics"
)

// TestMetricsRegistrationsWaited holds the package order lazymetrics
// relies on: the etcd server's packages registered their collectors after
// it took over Prometheus's default registerer.
func TestMetricsRegistrationsWaited(t *testing.T) {
	if n := lazymetrics.Deferred(); n < 50 {
		t.Errorf("%d registrations deferred; the etcd server's packages make about 120", n)
	}
}

// TestEmbeddedServerStillServesMetrics: the deferred collectors are
// registered when the embedded server's /metrics is first asked.
func TestEmbeddedServerStillServesMetrics(t *testing.T) {
	endpoint, _, _ := strings.Cut(testEndpoints, ",")
	resp, err := http.Get(endpoint + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s: %.300s", resp.Status, body)
	}
	for _, family := range []string{"etcd_server_has_leader", "etcd_mvcc_db_total_size_in_bytes", "go_goroutines"} {
		if !strings.Contains(string(body), "\n"+family+" ") {
			t.Errorf("/metrics has no %s", family)
		}
	}
}

// TestCollectorBackOnAfterInit: initgc turned the collector off only
// while packages initialized, and the raised first goal gives way to the
// program's own setting once a collection has run.
func TestCollectorBackOnAfterInit(t *testing.T) {
	if _, set := os.LookupEnv("GOGC"); set {
		t.Skip("GOGC is set")
	}
	runtime.GC()
	deadline := time.Now().Add(10 * time.Second)
	for gcPercent() != 100 {
		if time.Now().After(deadline) {
			t.Fatalf("GOGC is %d after a collection, want 100", gcPercent())
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}

// TestExplorerGCPercent: the explorer's GOGC takes effect once the first
// collection has restored the program's setting, and not before it is
// asked for.
func TestExplorerGCPercent(t *testing.T) {
	if _, set := os.LookupEnv("GOGC"); set {
		t.Skip("GOGC is set")
	}
	initgc.SetPercent(explorerGCPercent)
	defer initgc.SetPercent(100)
	runtime.GC()
	deadline := time.Now().Add(10 * time.Second)
	for gcPercent() != explorerGCPercent {
		if time.Now().After(deadline) {
			t.Fatalf("GOGC is %d with the explorer's set, want %d", gcPercent(), explorerGCPercent)
		}
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}

// gcPercent is the GOGC setting now.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}
