# Sourced by run.sh and stats.sh: start_server WORK DATASET starts
# bench/etcdserver (built as WORK/etcdserver) on WORK/data, stops it when
# the script exits, waits until it serves, and exports its endpoint and
# pid as ETCDSCOPE_BENCH_ENDPOINT and ETCDSCOPE_BENCH_SERVER_PID.
start_server() {
	rm -f "$1/endpoint"
	"$1/etcdserver" -dataset "$2" -dir "$1/data" -endpoint-file "$1/endpoint" &
	server=$!
	trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT INT TERM
	echo "$(basename "$0"): waiting for etcd (the first run loads 1M keys)..." >&2
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
