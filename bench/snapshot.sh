#!/bin/sh
# The offline snapshot budget: Open of an etcd snapshot holding 1M keys of
# ~1 KB (1M revisions) up to the first listing of /registry/, with the file
# in page cache (<= 2 s), and the peak anonymous memory on the way
# (<= 200 MB RssAnon; the mapped file is not counted).
#
# The snapshot (about 1.1 GB) is written on the first run and reused:
# ETCDSCOPE_SNAPSHOT_BENCH_FILE picks it, by default snapshot-1m.db under
# ETCDSCOPE_BENCH_DIR (snapshot-KEYS.db for ETCDSCOPE_BENCH_KEYS keys).
# Extra arguments go to the test binary (e.g. -test.cpuprofile FILE).
set -eu
cd "$(dirname "$0")/.."
. bench/server.sh
bench_dirs
ETCDSCOPE_SNAPSHOT_BENCH_FILE=${ETCDSCOPE_SNAPSHOT_BENCH_FILE:-$BASE/snapshot-$SIZE.db}
export ETCDSCOPE_SNAPSHOT_BENCH_FILE
COUNT=3
[ -z "${ETCDSCOPE_BENCH_QUICK:-}" ] || COUNT=1
go test -c -o "$BASE/snapshot.test" ./etcdsrc/snapshot/
bench() { "$BASE/snapshot.test" -test.run '^$' -test.bench '^BenchmarkOpen1M$' -test.benchtime 1x -test.timeout 30m "$@"; }
# A process that writes the snapshot keeps the writer's memory: the file
# is written by a run of its own, whose figures are not counted.
[ -f "$ETCDSCOPE_SNAPSHOT_BENCH_FILE" ] || bench "$@" > /dev/null
# One Open per process keeps each peak RssAnon figure honest.
: > "$BASE/snapshot-bench.txt"
for _ in $(seq "$COUNT"); do
	bench "$@" | tee -a "$BASE/snapshot-bench.txt"
done
awk '/^BenchmarkOpen1M/ {
		for (i = 3; i < NF; i++) {
			if ($(i+1) == "ns/op") t[++n] = $i / 1e9
			if ($(i+1) == "MB-peak-RssAnon" && $i > mb) mb = $i
		}
	}
	END {
		if (n == 0) exit 1
		# The median of the runs (their middle one, sorted).
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (t[j] < t[i]) { x = t[i]; t[i] = t[j]; t[j] = x }
		printf "%.2f %.1f %d %.2f %.2f\n", t[int((n + 1) / 2)], mb, n, t[1], t[n]
	}' "$BASE/snapshot-bench.txt" > "$BASE/snapshot-figures.txt"
read -r secs mb runs lo hi < "$BASE/snapshot-figures.txt"
# Time is judged on the median (the machine may be shared); memory, which
# load does not change, on the worst run.
echo "snapshot: to the first listing $secs s (median of $runs; min $lo s, max $hi s), peak RssAnon $mb MB (max), load $(cut -d' ' -f1-3 /proc/loadavg)"
row snapshot "open to first listing" "$secs s" - - "<= 2 s" "$(verdict "$(awk -v a="$secs" 'BEGIN { print (a <= 2) ? 1 : 0 }')")"
row snapshot "peak RssAnon" "$mb MB" - - "<= 200 MB" "$(verdict "$(awk -v a="$mb" 'BEGIN { print (a <= 200) ? 1 : 0 }')")"
