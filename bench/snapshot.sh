#!/bin/sh
# The offline snapshot budget: Open of an etcd snapshot holding 1M keys of
# ~1 KB (1M revisions) up to the first listing of /registry/, with the file
# in page cache (<= 3 s), and the peak anonymous memory on the way
# (<= 300 MB RssAnon; the mapped file is not counted).
#
# The snapshot (about 1.1 GB) is written on the first run and reused:
# ETCDSCOPE_SNAPSHOT_BENCH_FILE picks where (default under $TMPDIR).
# Extra arguments go to `go test` (e.g. -count 5).
set -eu
cd "$(dirname "$0")/.."
ETCDSCOPE_SNAPSHOT_BENCH_FILE=${ETCDSCOPE_SNAPSHOT_BENCH_FILE:-${TMPDIR:-/tmp}/etcdscope-bench/snapshot-1m.db}
export ETCDSCOPE_SNAPSHOT_BENCH_FILE
# One Open per process run keeps each peak RssAnon figure honest.
exec go test ./etcdsrc/snapshot/ -run '^$' -bench '^BenchmarkOpen1M$' -benchtime 1x -count 3 -timeout 30m "$@"
