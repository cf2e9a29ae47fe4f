#!/bin/sh
# The start-up budget: one `etcdscope decode` of a stored Pod (protobuf,
# from the fixtures), whole process, no slower than auger's `decode` of the
# same value, measured in the same run, in turn. auger is not a Go module
# dependency: build it from its source and pass AUGER=/path/to/auger;
# without it only etcdscope's figures are printed.
#
# Prints a table, then one line for bench/run.sh's table:
#   startup-decode etcdscope_wall_ms=W auger_wall_ms=W ratio_wall=R etcdscope_cpu_ms=C auger_cpu_ms=C ratio_cpu=R runs=N budget=met|MISSED
# (without auger: startup-decode etcdscope_wall_ms=W etcdscope_cpu_ms=C runs=N auger=none).
# Ratios are medians of the pairwise ratios etcdscope/auger; the budget is
# ratio_wall <= 1. STARTUP_RUNS sets the counted runs (default 41).
set -eu
cd "$(dirname "$0")/.."
WORK=${ETCDSCOPE_STARTUP_DIR:-${TMPDIR:-/tmp}/etcdscope-startup}
mkdir -p "$WORK"

# Built as a user builds it: go build, default flags.
go build -o "$WORK/etcdscope" ./cmd/etcdscope
go build -o "$WORK/startup" ./bench/startup
ls -l "$WORK/etcdscope" | awk '{ printf "etcdscope binary: %.1f MB\n", $5 / 1e6 }'
if [ -n "${AUGER:-}" ]; then
	ls -lL "$AUGER" | awk '{ printf "auger binary: %.1f MB\n", $5 / 1e6 }'
fi

"$WORK/startup" -n "${STARTUP_RUNS:-41}" -etcdscope "$WORK/etcdscope" -auger "${AUGER:-}" \
	-value "$WORK/pod.bin" > "$WORK/startup.txt"

awk '{
	for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	printf "%-22s %12s %12s %8s\n", "decode one Pod", "etcdscope", "auger", "ratio"
	if (v["auger"] == "none") {
		printf "%-22s %9.1f ms %12s %8s\n", "  wall (median)", v["etcdscope_wall_ms"], "-", "-"
		printf "%-22s %9.1f ms %12s %8s\n", "  cpu (median)", v["etcdscope_cpu_ms"], "-", "-"
		print "no AUGER given: compare with the issue'"'"'s figure for auger, 20-23 ms whole process"
	} else {
		printf "%-22s %9.1f ms %9.1f ms %7.2fx\n", "  wall (median)", v["etcdscope_wall_ms"], v["auger_wall_ms"], v["ratio_wall"]
		printf "%-22s %9.1f ms %9.1f ms %7.2fx\n", "  cpu (median)", v["etcdscope_cpu_ms"], v["auger_cpu_ms"], v["ratio_cpu"]
		printf "budget decode no slower than auger (wall ratio <= 1): %s (%.2fx, %s runs each)\n", v["budget"], v["ratio_wall"], v["runs"]
	}
}' "$WORK/startup.txt"
cat "$WORK/startup.txt"
