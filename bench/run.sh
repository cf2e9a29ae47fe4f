#!/bin/sh
# The live listing budget: the children of /registry/ over 1M keys (50
# resources x 20 namespaces x 1,000 objects), by etcdscope (names only, then
# with per-child counts) against what `etcdctl get /registry/ --prefix
# --keys-only` does, folded by segment; plus the real etcdctl binary when it
# builds. Budgets: names >= 30x faster than the scan, counts >= 10x, round
# trips <= children + a few.
#
# etcd runs in its own process (bench/etcdserver) so the peak RssAnon
# figures are the client's alone. Its data (about 1M keys, ~1.5 GB) is
# loaded on the first run and reused: ETCDSCOPE_BENCH_DIR picks where.
# Extra arguments go to `go test` (e.g. -count 3).
set -eu
cd "$(dirname "$0")/.."
WORK=${ETCDSCOPE_BENCH_DIR:-${TMPDIR:-/tmp}/etcdscope-bench/live-1m}
mkdir -p "$WORK"

go build -o "$WORK/etcdserver" ./bench/etcdserver
ETCDCTL=""
if (cd bench/etcdctl && go build -o "$WORK/etcdctl" .); then
	ETCDCTL="$WORK/etcdctl"
else
	echo "run.sh: etcdctl did not build; its row is left out" >&2
fi

. bench/server.sh
start_server "$WORK" plain

go test ./bench/ -tags bench1m -run '^$' -bench '^BenchmarkChildren1M$' -benchtime 3x -timeout 60m "$@" |
	tee "$WORK/go-bench.txt"

ctl_line=""
if [ -n "$ETCDCTL" ]; then
	# GNU time's %M is the peak RSS (anonymous and file-backed) of etcdctl.
	/usr/bin/time -f '%e %M' -o "$WORK/etcdctl-time.txt" sh -c \
		"'$ETCDCTL' --endpoints '$ETCDSCOPE_BENCH_ENDPOINT' --command-timeout 10m get /registry/ --prefix --keys-only |
		 awk -F/ 'NF > 3 { print \$3 }' | sort -u > '$WORK/etcdctl-children.txt'"
	n=$(wc -l < "$WORK/etcdctl-children.txt")
	ctl_line=$(awk -v n="$n" '{ printf "etcdctl-binary %d %.0f %s\n", n, $1 * 1e9, $2 / 1024 }' "$WORK/etcdctl-time.txt")
fi

echo
{
	grep '^BenchmarkChildren1M/' "$WORK/go-bench.txt" | awk '{
		name = $1; sub(/^BenchmarkChildren1M\//, "", name); sub(/-[0-9]+$/, "", name)
		ns = ""; rt = "-"; mb = "-"; cpu = "-"
		for (i = 3; i < NF; i++) {
			if ($(i+1) == "ns/op") ns = $i
			if ($(i+1) == "roundtrips/op") rt = $i
			if ($(i+1) == "peak-rssanon-MB") mb = $i
			if ($(i+1) == "server-cpu-ms/op") cpu = $i
		}
		print name, ns, rt, cpu, mb
	}'
	[ -z "$ctl_line" ] || echo "$ctl_line" | awk '{ print $1, $3, "1", "-", $4 " (max RSS)" }'
} | awk '
	{ name[NR] = $1; ns[NR] = $2; rt[NR] = $3; cpu[NR] = $4; mb[NR] = $5; for (i = 6; i <= NF; i++) mb[NR] = mb[NR] " " $i
	  if ($1 == "etcdctl-scan") { base = $2; basecpu = $4 }
	  if ($1 == "etcdctl-binary") ctl = $2 }
	END {
		printf "%-16s %12s %9s %11s %8s %16s %9s %20s\n", "what", "time", "vs scan", "vs etcdctl", "trips", "etcd cpu (ms)", "vs scan", "peak memory (MB)"
		for (i = 1; i <= NR; i++) {
			x = (base > 0 && ns[i] > 0) ? sprintf("%.1fx", base / ns[i]) : "-"
			z = (ctl > 0 && ns[i] > 0) ? sprintf("%.1fx", ctl / ns[i]) : "-"
			y = (basecpu > 0 && cpu[i] > 0) ? sprintf("%.1fx", basecpu / cpu[i]) : "-"
			printf "%-16s %10.3f s %9s %11s %8s %16s %9s %20s\n", name[i], ns[i] / 1e9, x, z, rt[i], cpu[i], y, mb[i]
		}
		# The budgets (PRODUCT.md) are against `etcdctl get --prefix
		# --keys-only` folded by segment: the real binary when it built,
		# else the in-process scan, which is the stricter yardstick.
		ref = (ctl > 0) ? ctl : base
		what = (ctl > 0) ? "etcdctl binary" : "in-process scan"
		for (i = 1; i <= NR; i++) {
			if (name[i] == "names") printf "budget names >= 30x faster than the %s: %s (%.1fx); round trips <= 50 + 5: %s\n", what, (ref / ns[i] >= 30 ? "met" : "MISSED"), ref / ns[i], (rt[i] <= 55 ? "met" : "MISSED")
			if (name[i] == "counts") printf "budget counts >= 10x faster than the %s: %s (%.1fx)\n", what, (ref / ns[i] >= 10 ? "met" : "MISSED"), ref / ns[i]
		}
	}'

# The offline budget: a 1M-key snapshot to its first listing.
echo
sh bench/snapshot.sh
