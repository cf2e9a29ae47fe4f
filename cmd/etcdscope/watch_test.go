package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// TestWatchFromCompactedRevision: a watch started below the compaction
// prints COMPACTED, then the key as it is now, as records.
func TestWatchFromCompactedRevision(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncBuffer{}
	done := make(chan result, 1)
	go func() {
		done <- etcdscopeCtx(t, ctx, "", out, "watch", "/test/compacted", "--rev", fmt.Sprint(compactedKeyRev), "-o", "records")
	}()
	waitFor(t, "the PUT after COMPACTED", func() bool { return strings.Contains(out.String(), `"type":"PUT"`) })
	cancel()
	if r := <-done; r.code != 0 {
		t.Fatalf("watch ended with %d: %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want COMPACTED and one PUT, got:\n%s", out.String())
	}
	first := jsonValue(t, lines[0]).(map[string]any)
	put := jsonValue(t, lines[1]).(map[string]any)
	if first["type"] != "COMPACTED" || put["record"].(map[string]any)["value"] != "two" {
		t.Fatalf("records:\n%s", out.String())
	}
}
