package lazymetrics

import (
	"errors"
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func newTestRegistry() *registry {
	real := prometheus.NewRegistry()
	return &registry{reg: real, gather: real}
}

func families(t *testing.T, r *registry) ([]string, error) {
	t.Helper()
	mfs, err := r.Gather()
	var names []string
	for _, mf := range mfs {
		names = append(names, mf.GetName())
	}
	return names, err
}

func counter(name string) prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: name})
	c.Inc()
	return c
}

func TestGatherRegistersWhatWaited(t *testing.T) {
	r := newTestRegistry()
	r.MustRegister(counter("a_total"), counter("b_total"))
	if got := len(r.pending); got != 2 {
		t.Fatalf("%d pending before the first gather, want 2", got)
	}
	names, err := families(t, r)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names, []string{"a_total", "b_total"}) {
		t.Errorf("gathered %v", names)
	}
	// Once settled, registrations go straight through, errors and all.
	r.settled = true
	if err := r.Register(counter("c_total")); err != nil {
		t.Fatal(err)
	}
	var already prometheus.AlreadyRegisteredError
	if err := r.Register(counter("a_total")); !errors.As(err, &already) {
		t.Errorf("registering a_total again: %v, want AlreadyRegisteredError", err)
	}
	if names, _ := families(t, r); len(names) != 3 {
		t.Errorf("gathered %v, want three families", names)
	}
	if r.deferred != 2 {
		t.Errorf("deferred = %d, want 2", r.deferred)
	}
}

// TestDuplicateFailsTheGather: a registration that would have failed at
// once fails the gathers instead, as a promhttp handler then shows.
func TestDuplicateFailsTheGather(t *testing.T) {
	r := newTestRegistry()
	r.MustRegister(counter("a_total"), counter("a_total"))
	if _, err := families(t, r); err == nil {
		t.Error("no error for a collector registered twice")
	}
	if _, err := families(t, r); err == nil {
		t.Error("the second gather forgot the error")
	}
}

// TestSettledSeesWhatWaited: after Settle a registration first registers
// what waited, so code that registers at run time and reads
// AlreadyRegisteredError (promhttp's handler) finds the collector there.
func TestSettledSeesWhatWaited(t *testing.T) {
	r := newTestRegistry()
	first := counter("a_total")
	r.MustRegister(first, counter("b_total"))
	r.settled = true
	var already prometheus.AlreadyRegisteredError
	if err := r.Register(counter("a_total")); !errors.As(err, &already) || already.ExistingCollector != first {
		t.Fatalf("registering a_total after Settle: %v, want AlreadyRegisteredError holding the first", err)
	}
	if len(r.pending) != 0 {
		t.Errorf("%d still pending", len(r.pending))
	}
	if names, err := families(t, r); err != nil || !slices.Equal(names, []string{"a_total", "b_total"}) {
		t.Errorf("gathered %v, %v", names, err)
	}
}

// TestGatherDuringInit: what is registered after a gather, before
// Settle, waits for the next one.
func TestGatherDuringInit(t *testing.T) {
	r := newTestRegistry()
	r.MustRegister(counter("a_total"))
	if names, _ := families(t, r); len(names) != 1 {
		t.Fatalf("gathered %v", names)
	}
	r.MustRegister(counter("b_total"))
	if names, _ := families(t, r); !slices.Equal(names, []string{"a_total", "b_total"}) {
		t.Errorf("gathered %v, want a_total and b_total", names)
	}
}

func TestUnregisterPending(t *testing.T) {
	r := newTestRegistry()
	a := counter("a_total")
	r.MustRegister(a, counter("b_total"))
	if !r.Unregister(a) {
		t.Error("Unregister of a pending collector: false")
	}
	if r.Unregister(a) {
		t.Error("Unregister twice: true")
	}
	if names, _ := families(t, r); !slices.Equal(names, []string{"b_total"}) {
		t.Errorf("gathered %v, want b_total alone", names)
	}
}

func TestDefaultsAreTheDeferringRegistry(t *testing.T) {
	if prometheus.DefaultRegisterer != prometheus.Registerer(defaults) || prometheus.DefaultGatherer != prometheus.Gatherer(defaults) {
		t.Error("Prometheus's defaults are not this package's registry")
	}
}
