// Package bench holds the benchmarks too slow for the normal test run.
// They are built with the bench1m tag: the 1M-key listing benchmark is
// driven by run.sh, the 1M-object stats benchmark by stats.sh; each
// starts bench/etcdserver in its own process so the memory measured is
// the client's alone.
package bench
