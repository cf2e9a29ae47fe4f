#!/usr/bin/env bash
# Makes the older etcd snapshots etcdsrc/snapshot tests: main.go built
# with each version's go.mod (v3.5/, v3.6/), run against the fixture.
# Run once from anywhere; the .db and .expected.json files it writes in
# ../ are committed. Needs the Go module proxy for the etcd modules.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fixture="$here/../../../../testdata/fixtures/k8s-1.37-coverage.kv.jsonl"
for v in 3.5.35 3.6.16; do
	dir="$here/v${v%.*}"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	cp "$here/main.go" "$dir/go.mod" "$dir/go.sum" "$tmp/"
	(cd "$tmp" && GOFLAGS=-mod=mod go build -o makesnapshot .)
	"$tmp/makesnapshot" "$fixture" "$here/../etcd-$v.db" "$here/../etcd-$v.expected.json" 2>"$tmp/log" || { cat "$tmp/log" >&2; exit 1; }
	rm -rf "$tmp"
	echo "etcd $v: $(wc -c <"$here/../etcd-$v.db") bytes"
done
