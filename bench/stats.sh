#!/bin/sh
# The stats budget: `etcdscope stats` over 1M Kubernetes objects of about
# 1 KB (20 namespaces x 50,000: configmaps, secrets, replicasets, pods
# owned by them, events), against `etcdctl get /registry/ --prefix`
# writing the same values to /dev/null in the same run. Budgets: wall
# time within 2x of etcdctl's; peak RssAnon <= 200 MB.
#
# etcd runs in its own process (bench/etcdserver -dataset kube) so the
# in-process figures are the client's alone. Its data (about 1M keys) is
# loaded on the first run and reused: stats-1m/ under ETCDSCOPE_BENCH_DIR.
# Extra arguments go to `go test` (e.g. -count 5).
set -eu
cd "$(dirname "$0")/.."
. bench/server.sh
bench_dirs
WORK=$BASE/stats-$SIZE
mkdir -p "$WORK"
bench_build etcdserver etcdscope etcdctl
COUNT=3
[ -z "${ETCDSCOPE_BENCH_QUICK:-}" ] || COUNT=1

start_server "$WORK" kube

# Whole processes, alternating so both see the same machine: the real
# etcdctl and etcdscope, each writing to /dev/null. GNU time's %M is the
# peak RSS (anonymous and file-backed).
: > "$WORK/processes.txt"
for _ in $(seq "$COUNT"); do
	/usr/bin/time -f "etcdctl %e %M" -a -o "$WORK/processes.txt" \
		"$BIN/etcdctl" --endpoints "$ETCDSCOPE_BENCH_ENDPOINT" --command-timeout 10m get /registry/ --prefix > /dev/null
	/usr/bin/time -f "etcdscope %e %M" -a -o "$WORK/processes.txt" \
		"$BIN/etcdscope" --endpoints "$ETCDSCOPE_BENCH_ENDPOINT" --command-timeout 1m stats -o json > /dev/null
done

go test ./bench/ -tags bench1m -run '^$' -bench '^BenchmarkStats1M$' -benchtime 1x -count "$COUNT" -timeout 60m "$@" |
	tee "$WORK/go-bench.txt"

echo
awk -v figures="$WORK/process-figures.txt" '
	{ t[$1] = t[$1] " " $2; if (!($1 in best) || $2 < best[$1]) best[$1] = $2; if ($3 > rss[$1]) rss[$1] = $3 }
	END {
		printf "whole process      runs (s)             best (s)   max RSS (MB, anon + file)\n"
		for (n in t) printf "%-18s %-20s %8.2f   %8.0f\n", n, t[n], best[n], rss[n] / 1024
		printf "budget stats within 2x of etcdctl get --prefix (whole processes, best of the runs): %s (%.2fx)\n",
			(best["etcdscope"] <= 2 * best["etcdctl"] ? "met" : "MISSED"), best["etcdscope"] / best["etcdctl"]
		printf "%.2f %.2f %.2f %.0f\n", best["etcdscope"], best["etcdctl"], best["etcdscope"] / best["etcdctl"], rss["etcdscope"] / 1024 > figures
	}' "$WORK/processes.txt"
grep '^BenchmarkStats1M/' "$WORK/go-bench.txt" | awk -v figures="$WORK/rss-figure.txt" '
	{
		name = $1; sub(/^BenchmarkStats1M\//, "", name); sub(/-[0-9]+$/, "", name)
		for (i = 3; i < NF; i++) {
			if ($(i+1) == "ns/op" && (!(name in ns) || $i < ns[name])) ns[name] = $i
			if ($(i+1) == "peak-rssanon-MB" && $i > mb[name]) mb[name] = $i
		}
	}
	END {
		printf "in-process         best (s)   peak RssAnon (MB)\n"
		for (n in ns) printf "%-18s %8.2f   %8.1f\n", n, ns[n] / 1e9, mb[n]
		printf "budget stats within 2x of the in-process etcdctl get: %s (%.2fx); peak RssAnon <= 200 MB: %s (%.1f MB)\n",
			(ns["stats"] <= 2 * ns["etcdctl-get"] ? "met" : "MISSED"), ns["stats"] / ns["etcdctl-get"],
			(mb["stats"] <= 200 ? "met" : "MISSED"), mb["stats"]
		printf "%.1f\n", mb["stats"] > figures
	}'
read -r secs ctl ratio maxrss < "$WORK/process-figures.txt"
read -r mb < "$WORK/rss-figure.txt"
row stats "stats, whole process" "$secs s" "etcdctl get --prefix $ctl s" "${ratio}x" "<= 2x" "$(verdict "$(awk -v a="$ratio" 'BEGIN { print (a <= 2) ? 1 : 0 }')")"
row stats "peak RssAnon (in-process)" "$mb MB" "max RSS whole process $maxrss MB" - "<= 200 MB" "$(verdict "$(awk -v a="$mb" 'BEGIN { print (a <= 200) ? 1 : 0 }')")"
