// Package bench holds the benchmarks too slow for the normal test run and
// the scripts that hold etcdscope to PRODUCT.md's budgets. The Go
// benchmarks are built with the bench1m tag: the 1M-key listing benchmark
// is driven by run.sh, the 1M-object stats benchmark by stats.sh; each
// script starts bench/etcdserver in its own process so the memory
// measured is the client's alone. run.sh runs every part (explorer.sh
// with bench/writer, bench/decoderate, startup.sh against auger when
// AUGER names its binary, snapshot.sh, stats.sh) and prints one table; run.sh --quick is a 10k-key smoke
// test of the same.
package bench
