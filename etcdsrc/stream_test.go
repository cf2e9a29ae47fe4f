package etcdsrc

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// TestStreamRange holds StreamRange against Range: the same keys, values
// and revisions in the same order, at the current and at a pinned older
// revision, on a 3.7 server (one stream) and on one without RangeStream
// (Range's pages).
func TestStreamRange(t *testing.T) {
	for name, c := range map[string]struct {
		srv  func() *Live
		put  func(map[string]string) int64
		want int32
	}{
		"RangeStream":  {func() *Live { return dial(t, srv) }, func(kvs map[string]string) int64 { return putAll(t, srvCli, kvs) }, streamYes},
		"older server": {func() *Live { return dial(t, oldSrv) }, func(kvs map[string]string) int64 { return putAll(t, oldSrvCli, kvs) }, streamNo},
	} {
		t.Run(name, func(t *testing.T) {
			ctx := testCtx(t)
			cli := srvCli
			if c.want == streamNo {
				cli = oldSrvCli
			}
			clearPrefix(t, cli, "/stream/")
			kvs := map[string]string{}
			for i := range 1200 {
				kvs[fmt.Sprintf("/stream/k%04d", i)] = strings.Repeat("v", i%300)
			}
			first := c.put(kvs)
			mustPut(t, cli, "/stream/k0007", "changed")
			l := c.srv()
			for _, rev := range []int64{0, first} {
				var ranged, streamed []KeyValue
				rangeRev, err := l.Range(ctx, "/stream/", rev, func(kv KeyValue) error { ranged = append(ranged, kv); return nil })
				if err != nil {
					t.Fatal(err)
				}
				streamRev, err := l.StreamRange(ctx, "/stream/", rev, func(kv KeyValue) error { streamed = append(streamed, kv); return nil })
				if err != nil {
					t.Fatal(err)
				}
				if len(streamed) != len(kvs) || !reflect.DeepEqual(streamed, ranged) || streamRev != rangeRev {
					t.Fatalf("rev %d: streamed %d keys at %d, ranged %d at %d; equal %v", rev, len(streamed), streamRev, len(ranged), rangeRev, reflect.DeepEqual(streamed, ranged))
				}
				if changed := string(streamed[7].Value) == "changed"; changed != (rev == 0) {
					t.Errorf("rev %d: k0007 is %q", rev, streamed[7].Value)
				}
			}
			if got := l.stream.Load(); got != c.want {
				t.Errorf("stream state %d, want %d", got, c.want)
			}
			stop := errors.New("enough")
			n := 0
			_, err := l.StreamRange(ctx, "/stream/", 0, func(KeyValue) error {
				if n++; n == 10 {
					return stop
				}
				return nil
			})
			if err != stop || n != 10 {
				t.Errorf("a callback error: %v after %d keys, want the error itself after 10", err, n)
			}
		})
	}
}
