#!/bin/sh
# The explorer-at-scale budget: the explorer (etcdscope with no verb) in
# a real terminal (tmux) against the plain data set (1M keys), browsed
# with keys, then watching /registry/ while bench/writer puts 10k events/s
# under /registry/res07/. Budgets: the explorer process's peak RssAnon <=
# 50 MB, sampled from /proc every 50 ms through both phases; after the
# burst, the tree's counts (the root, res07 and its 20 namespaces) equal
# a fresh `etcdscope ls`, and every change was taken in (the explorer's
# --debug log counts them). The writer's keys are deleted afterwards.
# A key press's Update + View is a benchmark (BenchmarkKeyPress in tui/).
#
# It uses the etcd run.sh started (ETCDSCOPE_BENCH_ENDPOINT) or starts
# its own on ETCDSCOPE_BENCH_DIR/live-1m. ETCDSCOPE_WRITER_RATE and
# ETCDSCOPE_WRITER_EVENTS set the burst (default 10,000/s, 100,000).
#
# `explorer.sh list` browses a kind list instead, on the kube data set
# (stats-1m/, its own etcd): `:cm`, all 300,000 ConfigMaps at 1M keys,
# moved through, to the end, filtered, then sorted by AGE (shift-A: a
# column read from every value, in the background); the budget is the
# same peak RssAnon, through the browsing and through the sort, and the
# sort's time is printed (from the key press to the title's "↑age").
#
# `explorer.sh listwatch` opens the same list, presses `w` and, a second
# later, runs the writer under /registry/configmaps/ (the burst above):
# the watch catches up what changed while `w` listed again. Budgets: peak
# RssAnon <= 50 MB through the watch, every change taken in, and the
# list's count after the burst equal to a fresh `etcdscope ls`.
set -eu
cd "$(dirname "$0")/.."
. bench/server.sh
bench_dirs
MODE=${1:-tree}
bench_build etcdserver etcdscope writer
if [ "$MODE" = list ] || [ "$MODE" = listwatch ]; then
	WORK=$BASE/stats-$SIZE
	mkdir -p "$WORK"
	start_server "$WORK" kube
else
	WORK=$BASE/live-$SIZE
	mkdir -p "$WORK"
	if [ -z "${ETCDSCOPE_BENCH_ENDPOINT:-}" ]; then
		start_server "$WORK" plain
	fi
fi
EP=$ETCDSCOPE_BENCH_ENDPOINT
RATE=${ETCDSCOPE_WRITER_RATE:-10000}
EVENTS=${ETCDSCOPE_WRITER_EVENTS:-100000}
PREFIX=/registry/res07/
[ "$MODE" != listwatch ] || PREFIX=/registry/configmaps/
SESSION=etcdscope-bench-$$
LOG=$WORK/explorer-debug.log
RSS=$WORK/explorer-rss.txt
: > "$LOG"
: > "$RSS"

# clean deletes what a writer (of an interrupted run too) left.
clean() { [ "$MODE" = list ] || "$BIN/writer" -endpoint "$EP" -prefix "$PREFIX" -clean > /dev/null; }
clean
cleanup() {
	tmux kill-session -t "$SESSION" 2>/dev/null || true
	clean || true
}

tmux new-session -d -s "$SESSION" -x 160 -y 62 "exec '$BIN/etcdscope' --endpoints '$EP' --command-timeout 1m --debug '$LOG'"
trap 'cleanup; kill "${server:-}" 2>/dev/null || true; wait 2>/dev/null || true' EXIT INT TERM
PID=$(tmux list-panes -t "$SESSION" -F '#{pane_pid}')

# The sampler: one line per sample, the phase, RssAnon and VmHWM in kB.
PHASE=$WORK/explorer-phase
echo start > "$PHASE"
(
	while [ -r "/proc/$PID/status" ]; do
		ph=$(cat "$PHASE")
		awk -v phase="${ph:-between}" '/^RssAnon:/ { a = $2 } /^VmHWM:/ { h = $2 } END { if (a) print phase, a, h }' "/proc/$PID/status" 2>/dev/null || true
		sleep 0.05
	done
) >> "$RSS" &
sampler=$!

screen() { tmux capture-pane -p -t "$SESSION"; }
# until SECONDS PATTERN: wait for the screen to show an extended regex.
until_screen() {
	end=$(($(date +%s) + $1))
	while ! screen | grep -Eq "$2"; do
		if [ "$(date +%s)" -ge "$end" ]; then
			echo "explorer.sh: the screen never showed /$2/:" >&2
			screen >&2
			exit 1
		fi
		sleep 0.2
	done
}
keys() { tmux send-keys -t "$SESSION" "$@"; }

# finish_watch TRIES SCREEN: let the explorer take in the tail of a burst
# (wait until the log's count stops moving: it is written once a second
# while it grows, tried TRIES times 2 s apart), set taken to it, save the
# screen to SCREEN and quit the explorer.
finish_watch() {
	taken=0
	for _ in $(seq "$1"); do
		sleep 2
		now=$(awk '/changes taken in/ { n = $3 } END { print n + 0 }' "$LOG")
		[ "$now" = "$taken" ] && [ "$now" -gt 0 ] && break
		taken=$now
	done
	taken=$(awk '/changes taken in/ { n = $3 } END { print n + 0 }' "$LOG")
	screen > "$2"
	echo done > "$PHASE"
	keys q
	sleep 1
	kill "$sampler" 2>/dev/null || true
}

if [ "$MODE" = list ]; then
	until_screen 60 '/registry/'
	echo list > "$PHASE"
	keys : c m Enter
	until_screen 300 'configmaps \(all namespaces\) [0-9,]+'
	screen > "$WORK/explorer-list-screen.txt"
	items=$(grep -Eo 'configmaps \(all namespaces\) [0-9,]+' "$WORK/explorer-list-screen.txt" | awk '{ print $NF }' | head -1)
	sleep 1
	for _ in 1 2 3 4 5; do
		keys -N 100 j
		sleep 0.3
	done
	keys -N 20 NPage
	sleep 0.5
	keys G
	sleep 1
	keys g / c m - 0 0 1 2 Enter
	sleep 2
	screen > "$WORK/explorer-list-screen-end.txt"
	keys Escape # the filter goes
	sleep 1
	echo sort > "$PHASE"
	t0=$(date +%s.%N)
	keys A
	until_screen 600 '↑age'
	t1=$(date +%s.%N)
	sorted=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	screen > "$WORK/explorer-list-screen-sort.txt"
	keys -N 20 NPage
	sleep 1
	keys q
	sleep 1
	kill "$sampler" 2>/dev/null || true
	awk '$1 == "list" && $2 > p { p = $2 } $1 == "sort" && $2 > s { s = $2 } END { printf "%.1f %.1f\n", p / 1024, s / 1024 }' "$RSS" > "$WORK/rss-peaks.txt"
	read -r peak sortpeak < "$WORK/rss-peaks.txt"
	echo "explorer: peak RssAnon with a kind list of $items ConfigMaps open and browsed: $peak MB"
	echo "explorer: sorted by AGE in $sorted s, peak RssAnon meanwhile $sortpeak MB ($(grep -o 'sorted .*' "$LOG" | tail -1))"
	row explorer "peak RssAnon, kind list of $items ConfigMaps" "$peak MB" - - "<= 50 MB" \
		"$(verdict "$(awk -v a="$peak" 'BEGIN { print (a <= 50) ? 1 : 0 }')")"
	row explorer "peak RssAnon, that list sorted by AGE ($sorted s)" "$sortpeak MB" - - "<= 50 MB" \
		"$(verdict "$(awk -v a="$sortpeak" 'BEGIN { print (a <= 50) ? 1 : 0 }')")"
	exit 0
fi

if [ "$MODE" = listwatch ]; then
	until_screen 60 '/registry/'
	keys : c m Enter
	until_screen 300 'configmaps \(all namespaces\) [0-9,]+'
	sleep 1
	keys w
	echo watch > "$PHASE"
	sleep 1
	"$BIN/writer" -endpoint "$EP" -prefix "$PREFIX" -rate "$RATE" -total "$EVENTS" | tee "$WORK/writer.txt"
	finish_watch 60 "$WORK/explorer-listwatch-screen.txt"
	shown=$(grep -Eo 'configmaps \(all namespaces\) [0-9,]+' "$WORK/explorer-listwatch-screen.txt" | awk '{ gsub(/,/, "", $NF); print $NF }' | head -1)
	"$BIN/etcdscope" --endpoints "$EP" --command-timeout 1m ls "$PREFIX" > "$WORK/ls-cm.txt"
	want=$(awk 'FNR > 1 { gsub(/,/, "", $NF); n += $NF } END { print n + 0 }' "$WORK/ls-cm.txt")
	written=$(awk '{ print $2 }' "$WORK/writer.txt")
	achieved=$(awk '{ for (i = 1; i < NF; i++) if ($(i+1) == "events/s") print $i }' "$WORK/writer.txt")
	lost=$((written - taken))
	[ "$lost" -ge 0 ] || lost=0
	awk '$1 == "watch" && $2 > p { p = $2 } END { printf "%.1f\n", p / 1024 }' "$RSS" > "$WORK/rss-peaks.txt"
	read -r peak < "$WORK/rss-peaks.txt"
	echo "explorer: peak RssAnon watching a kind list of ConfigMaps through a burst: $peak MB"
	echo "explorer: writer $written events at $achieved events/s; taken in $taken, lost $lost; list shows $shown, ls $want"
	row explorer "peak RssAnon watching a kind list" "$peak MB" - - "<= 50 MB" \
		"$(verdict "$(awk -v a="$peak" 'BEGIN { print (a <= 50) ? 1 : 0 }')")"
	row explorer "list watch burst taken in" "$taken of $written" "writer $achieved ev/s" "lost $lost" "none lost" \
		"$(verdict "$( [ "$lost" = 0 ] && echo 1 || echo 0)")"
	row explorer "list count after burst" "$shown" "etcdscope ls $want" - "equal" \
		"$(verdict "$( [ "$shown" = "$want" ] && echo 1 || echo 0)")"
	exit 0
fi

until_screen 60 'res49/ +[0-9,]+'
echo browse > "$PHASE"
# Into res00/ns00 (1,000 keys at 1M: two pages), down through them at
# key-repeat speed, to the end and back, a few objects opened.
keys j l
until_screen 30 'ns19/ +[0-9,]+'
keys j l
until_screen 30 'obj-0000'
for _ in 1 2 3 4 5 6 7 8 9 10; do
	keys -N 50 j
	sleep 0.3
done
keys G
sleep 1
keys G Enter
sleep 1
keys Tab g
sleep 0.5
keys -N 40 j
keys Enter
sleep 1
keys Tab
# Back to the top, res00 folded, res07 open, and watch /registry/.
keys g j h
sleep 0.3
keys -N 7 j
keys l
until_screen 30 'res07/ +[0-9,]+'
sleep 1
keys g w
until_screen 30 'watching'
sleep 1

echo watch > "$PHASE"
"$BIN/writer" -endpoint "$EP" -prefix "$PREFIX" -rate "$RATE" -total "$EVENTS" | tee "$WORK/writer.txt"
finish_watch 30 "$WORK/explorer-screen.txt"

# The tree's counts against a fresh listing, level by level: /registry/'s
# total (the root row), its child res07, and res07's namespaces.
"$BIN/etcdscope" --endpoints "$EP" --command-timeout 1m ls /registry/ > "$WORK/ls-root.txt"
"$BIN/etcdscope" --endpoints "$EP" --command-timeout 1m ls "$PREFIX" > "$WORK/ls-res07.txt"
awk '
	function num(s) { gsub(/,/, "", s); return s + 0 }
	FILENAME ~ /ls-root/ && FNR > 1 { want["res07/"] = ($1 == "res07/") ? num($NF) : want["res07/"]; total += num($NF) }
	FILENAME ~ /ls-res07/ && FNR > 1 { want["res07/" $1] = num($NF) }
	FILENAME ~ /screen/ {
		if (match($0, /▾ \/registry\/ +[0-9,]+/)) { split(substr($0, RSTART, RLENGTH), f, / +/); got["/registry/"] = num(f[3]) }
		if (match($0, /res07\/ +[0-9,]+/)) { split(substr($0, RSTART, RLENGTH), f, / +/); got["res07/"] = num(f[2]) }
		if (match($0, /ns[0-9][0-9]\/ +[0-9,]+/)) { split(substr($0, RSTART, RLENGTH), f, / +/); got["res07/" f[1]] = num(f[2]) }
	}
	END {
		want["/registry/"] = total
		for (k in want) { n++; if (got[k] != want[k]) { bad++; printf "count of %s: tree %s, ls %s\n", k, got[k], want[k] > "/dev/stderr" } }
		printf "%d %d\n", n, bad + 0
	}' "$WORK/ls-root.txt" "$WORK/ls-res07.txt" "$WORK/explorer-screen.txt" > "$WORK/counts.txt"
read -r compared differ < "$WORK/counts.txt"

achieved=$(awk '{ for (i = 1; i < NF; i++) if ($(i+1) == "events/s") print $i }' "$WORK/writer.txt")
written=$(awk '{ print $2 }' "$WORK/writer.txt")
lost=$((written - taken))
[ "$lost" -ge 0 ] || lost=0
awk '
	{ if ($2 > peak[$1]) peak[$1] = $2; if ($2 > all) all = $2; if ($3 > hwm) hwm = $3; n++ }
	END { printf "%.1f %.1f %.1f %.1f %d\n", peak["browse"] / 1024, peak["watch"] / 1024, all / 1024, hwm / 1024, n }' "$RSS" > "$WORK/rss-peaks.txt"
read -r browse watch peak hwm samples < "$WORK/rss-peaks.txt"
echo "explorer: peak RssAnon browsing $browse MB, watching $watch MB, overall $peak MB (VmHWM $hwm MB, $samples samples)"
echo "explorer: writer $written events at $achieved events/s; taken in $taken, lost $lost; $compared tree counts compared with ls, $differ differ"

ok() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b) ? 1 : 0 }'; }
row explorer "peak RssAnon browsing" "$browse MB" - - "<= 50 MB" "$(verdict "$(ok "$browse" 50)")"
row explorer "peak RssAnon watching" "$watch MB" - - "<= 50 MB" "$(verdict "$(ok "$watch" 50)")"
row explorer "watch burst taken in" "$taken of $written" "writer $achieved ev/s" "lost $lost" "10k ev/s, none lost" "$(verdict "$( [ "$lost" = 0 ] && ok 9500 "$achieved" || echo 0)")"
row explorer "tree counts after burst" "$((compared - differ)) of $compared equal" "etcdscope ls" - "all equal" "$(verdict "$( [ "$differ" = 0 ] && [ "$compared" -ge 22 ] && echo 1 || echo 0)")"
