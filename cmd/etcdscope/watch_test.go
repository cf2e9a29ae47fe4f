package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
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

// TestWatchSelector: with -l, a key arrives as a PUT when its object
// starts matching and as a DELETE when it stops (the record is the object
// now) or is deleted; keys that never matched are not heard of, and a key
// that matched before the watch began is known by its previous value.
func TestWatchSelector(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	web := string(fixtureKV(t, "/registry/pods/shop/web-6bbcb4d55f-5z72c").Value)
	plain := string(fixtureKV(t, podKey).Value)
	if _, err := testClient.Delete(ctx, "/test/sel/", clientv3.WithPrefix()); err != nil {
		t.Fatal(err)
	}
	put := func(k, v string) {
		t.Helper()
		if _, err := testClient.Put(ctx, "/test/sel/"+k, v); err != nil {
			t.Fatal(err)
		}
	}
	put("pre", web)
	out := &syncBuffer{}
	done := make(chan result, 1)
	go func() {
		done <- etcdscopeCtx(t, ctx, "", out, "watch", "/test/sel", "-l", "app=web", "-o", "records")
	}()
	sawPut := func() bool { return strings.Contains(out.String(), `"type":"PUT"`) }
	for i := 0; !sawPut(); i++ {
		if i == 50 {
			t.Fatal("watch printed no PUT")
		}
		put("a", web)
		eventually(200*time.Millisecond, sawPut)
	}
	start := len(lines(out.String()))
	put("pre", plain) // matched before the watch: its previous value says so
	put("a", plain)
	put("b", plain)
	if _, err := testClient.Delete(ctx, "/test/sel/b"); err != nil {
		t.Fatal(err)
	}
	put("b", web)
	if _, err := testClient.Delete(ctx, "/test/sel/b"); err != nil {
		t.Fatal(err)
	}
	put("z", web)
	waitFor(t, "the last PUT", func() bool { return strings.Contains(out.String(), `"key":"/test/sel/z"`) })
	cancel()
	if r := <-done; r.code != 0 {
		t.Fatalf("watch ended with %d: %s", r.code, r.stderr)
	}
	var got []string
	for _, line := range lines(out.String())[start:] {
		ev := jsonValue(t, line).(map[string]any)
		rec := ev["record"].(map[string]any)
		desc := fmt.Sprintf("%s %s", ev["type"], rec["key"])
		switch {
		case rec["deleted"] == true:
			desc += " deleted"
		case ev["type"] == "DELETE" && rec["kind"] == "Pod":
			desc += " unmatched"
		}
		got = append(got, desc)
	}
	want := []string{
		"DELETE /test/sel/pre unmatched",
		"DELETE /test/sel/a unmatched",
		"PUT /test/sel/b",
		"DELETE /test/sel/b deleted",
		"PUT /test/sel/z",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestWatchReadableAligned: the readable watch is a table: the key and
// revision columns start at the same place on every line.
func TestWatchReadableAligned(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncBuffer{}
	done := make(chan result, 1)
	go func() { done <- etcdscopeCtx(t, ctx, "", out, "watch", "/test/align") }()
	saw := func() bool { return strings.Contains(out.String(), "PUT") }
	for i := 0; !saw(); i++ {
		if i == 50 {
			t.Fatal("watch printed no PUT")
		}
		if _, err := testClient.Put(ctx, "/test/align/k", "v"); err != nil {
			t.Fatal(err)
		}
		eventually(200*time.Millisecond, saw)
	}
	if _, err := testClient.Put(ctx, "/test/align/a-longer-name", "v"); err != nil {
		t.Fatal(err)
	}
	if _, err := testClient.Delete(ctx, "/test/align/k"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the DELETE", func() bool { return strings.Contains(out.String(), "DELETE") })
	cancel()
	<-done
	ls := lines(out.String())
	head := ls[0]
	keyAt, revAt := strings.Index(head, "KEY"), strings.Index(head, "REVISION")
	if !strings.HasPrefix(head, "TIME") || keyAt < 0 || revAt < 0 {
		t.Fatalf("no header: %q", head)
	}
	for _, l := range ls[1:] {
		if !strings.HasPrefix(l[keyAt:], "/test/align/") || l[revAt-1] != ' ' || l[revAt] < '0' || l[revAt] > '9' {
			t.Fatalf("line out of its columns:\n%s\n%s", head, l)
		}
	}
}
