package main

import (
	"io"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"testing"

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
// while packages initialized.
func TestCollectorBackOnAfterInit(t *testing.T) {
	if os.Getenv("GOGC") == "off" {
		t.Skip("GOGC=off")
	}
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	if p < 0 {
		t.Error("the collector is still off after init")
	}
}
