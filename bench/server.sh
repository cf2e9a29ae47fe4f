# Sourced by the bench scripts. What they share:
#
# - bench_dirs: BASE is ETCDSCOPE_BENCH_DIR (default $TMPDIR/etcdscope-bench),
#   the base of every data set: live-1m/ (plain, run.sh and explorer.sh),
#   stats-1m/ (kube, stats.sh), snapshot-1m.db (snapshot.sh). KEYS is
#   ETCDSCOPE_BENCH_KEYS (default 1,000,000); other sizes (run.sh --quick)
#   live under live-KEYS/ and stats-KEYS/. BIN is where the binaries are
#   built, once per run.sh.
# - bench_build NAME...: builds the named tools into BIN unless this run
#   built them already.
# - start_server WORK DATASET: starts bench/etcdserver on WORK/data (the
#   first time: loads it, then starts it again), stops
#   it when the script exits, waits until it serves, and exports its
#   endpoint and pid as ETCDSCOPE_BENCH_ENDPOINT and
#   ETCDSCOPE_BENCH_SERVER_PID.
# - row PART WHAT FIGURE AGAINST RATIO BUDGET VERDICT: one line of run.sh's
#   table, appended to ETCDSCOPE_BENCH_ROWS when run.sh collects them.
# - verdict OK: "met" or "MISSED" (under --quick "(met)" or "(missed)":
#   a smoke test is not held to budgets measured on 1M keys).

bench_dirs() {
	BASE=${ETCDSCOPE_BENCH_DIR:-${TMPDIR:-/tmp}/etcdscope-bench}
	KEYS=${ETCDSCOPE_BENCH_KEYS:-1000000}
	case $KEYS in
	1000000) SIZE=1m ;;
	*) SIZE=$KEYS ;;
	esac
	BIN=${ETCDSCOPE_BENCH_BIN:-$BASE/bin}
	mkdir -p "$BASE" "$BIN"
	export ETCDSCOPE_BENCH_KEYS=$KEYS ETCDSCOPE_BENCH_BIN=$BIN
}

bench_build() {
	for tool in "$@"; do
		case " ${ETCDSCOPE_BENCH_BUILT:-} " in
		*" $tool "*) continue ;;
		esac
		case $tool in
		etcdscope) go build -o "$BIN/etcdscope" ./cmd/etcdscope ;;
		etcdctl) (cd bench/etcdctl && go build -o "$BIN/etcdctl" .) ;;
		*) go build -o "$BIN/$tool" "./bench/$tool" ;;
		esac
		ETCDSCOPE_BENCH_BUILT="${ETCDSCOPE_BENCH_BUILT:-} $tool"
	done
	export ETCDSCOPE_BENCH_BUILT
}

start_server() {
	if [ ! -d "$1/data" ]; then
		# A data set just written leaves etcd's index spread over memory,
		# twice as slow to count as the one a restart builds in key order:
		# load it, then measure a restarted server, as every later run does.
		start_server_once "$@"
		kill "$server" 2>/dev/null || true
		wait "$server" 2>/dev/null || true
	fi
	start_server_once "$@"
}

start_server_once() {
	rm -f "$1/endpoint"
	"$BIN/etcdserver" -dataset "$2" -keys "$KEYS" -dir "$1/data" -endpoint-file "$1/endpoint" &
	server=$!
	trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT INT TERM
	echo "$(basename "$0"): waiting for etcd (the first run loads $KEYS keys)..." >&2
	while [ ! -s "$1/endpoint" ]; do
		if ! kill -0 "$server" 2>/dev/null; then
			echo "$(basename "$0"): bench/etcdserver exited" >&2
			exit 1
		fi
		sleep 1
	done
	ETCDSCOPE_BENCH_ENDPOINT=$(cat "$1/endpoint")
	ETCDSCOPE_BENCH_SERVER_PID=$server
	export ETCDSCOPE_BENCH_ENDPOINT ETCDSCOPE_BENCH_SERVER_PID
}

row() {
	line=$(printf '%s\t%s\t%s\t%s\t%s\t%s\t%s' "$@")
	echo "row: $line" | tr '\t' '|' >&2
	[ -z "${ETCDSCOPE_BENCH_ROWS:-}" ] || echo "$line" >> "$ETCDSCOPE_BENCH_ROWS"
}

verdict() {
	if [ -n "${ETCDSCOPE_BENCH_QUICK:-}" ]; then
		if [ "$1" = 1 ]; then echo "(met)"; else echo "(missed)"; fi
	elif [ "$1" = 1 ]; then
		echo met
	else
		echo MISSED
	fi
}
