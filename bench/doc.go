// Package bench holds the benchmarks too slow for the normal test run. The
// 1M-key listing benchmark is built with the bench1m tag and driven by
// run.sh, which starts bench/etcdserver in its own process so the memory
// measured is the client's alone.
package bench
