// Package lazymetrics defers the Prometheus registrations that linked
// packages make while the program starts, until something gathers the
// metrics. The embedded etcd server's packages, linked for the demo,
// register about 120 collectors with Prometheus's default registry in
// their init functions; each registration starts a goroutine that
// describes the collector, and during init the main goroutine is locked to
// the main thread, so each one costs thread hand-offs. Together that was
// several milliseconds of every command's start, a one-shot `decode`
// included, for metrics that only the demo's server ever serves.
//
// Importing this package replaces prometheus.DefaultRegisterer and
// prometheus.DefaultGatherer with one registry that keeps the collectors
// registered while packages initialize and registers them with the
// default registry, in order, on the first use after Settle (package
// main's init calls it): a Register, Unregister or Gather. From then on it
// is the default registry, so code that registers at run time and reads
// AlreadyRegisteredError (promhttp's handler, built for each embedded
// server) sees what it would have. Go initializes packages in import-path
// order as soon as their imports are, so this package (which imports only
// Prometheus) runs right after Prometheus and before the etcd server's
// packages, whose paths sort after it; a test in package main holds that.
package lazymetrics

import (
	"errors"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// registry keeps registrations until the metrics are first gathered. It
// is safe for concurrent use.
type registry struct {
	reg    prometheus.Registerer
	gather prometheus.Gatherer

	mu       sync.Mutex
	pending  []prometheus.Collector
	deferred int
	// settled is set when package initialization is over: the next use
	// registers what is pending.
	settled bool
	// err is the first error registering the pending collectors met: a
	// registration that would have failed at init fails every Gather.
	err error
}

var defaults = &registry{reg: prometheus.DefaultRegisterer, gather: prometheus.DefaultGatherer}

func init() {
	prometheus.DefaultRegisterer = defaults
	prometheus.DefaultGatherer = defaults
}

var (
	_ prometheus.Registerer = (*registry)(nil)
	_ prometheus.Gatherer   = (*registry)(nil)
)

// Register keeps c while packages initialize; errors a registration
// then would give (an invalid or duplicate collector, a panic in
// MustRegister) show at the first Gather instead. After Settle it
// registers what is pending, then c, and returns c's registration error.
func (r *registry) Register(c prometheus.Collector) error {
	r.mu.Lock()
	if !r.settled {
		r.pending = append(r.pending, c)
		r.deferred++
		r.mu.Unlock()
		return nil
	}
	r.flushLocked()
	r.mu.Unlock()
	return r.reg.Register(c)
}

// MustRegister registers each collector as Register does, and panics on
// an error, as the default registry's MustRegister does.
func (r *registry) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := r.Register(c); err != nil {
			panic(err)
		}
	}
}

// Unregister registers what is pending first, so that it answers as the
// default registry would.
func (r *registry) Unregister(c prometheus.Collector) bool {
	r.mu.Lock()
	r.flushLocked()
	r.mu.Unlock()
	return r.reg.Unregister(c)
}

// Gather registers what is pending, then gathers from the default
// registry.
func (r *registry) Gather() ([]*dto.MetricFamily, error) {
	r.mu.Lock()
	err := r.flushLocked()
	r.mu.Unlock()
	mfs, gatherErr := r.gather.Gather()
	return mfs, errors.Join(err, gatherErr)
}

// flushLocked registers what is pending, in order.
func (r *registry) flushLocked() error {
	for _, c := range r.pending {
		if err := r.reg.Register(c); err != nil && r.err == nil {
			r.err = err
		}
	}
	r.pending = nil
	return r.err
}

// Settle ends the deferral: the next use of the default registerer or
// gatherer registers what is pending. Package main's init calls it, after
// every other package's init.
func Settle() {
	defaults.mu.Lock()
	defer defaults.mu.Unlock()
	defaults.settled = true
}

// Deferred reports how many collectors were registered through the
// default registerer before the first Gather.
func Deferred() int {
	defaults.mu.Lock()
	defer defaults.mu.Unlock()
	return defaults.deferred
}
