package etcdsrc

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// bruteChildren lists a level the slow, obviously right way: every key
// under prefix at rev, folded by its next path segment.
func bruteChildren(t *testing.T, cli *clientv3.Client, prefix string, rev int64) ([]Child, map[string]int64) {
	t.Helper()
	opts := []clientv3.OpOption{clientv3.WithKeysOnly(), clientv3.WithRev(rev)}
	key := prefix
	if prefix == "" {
		key = "\x00"
		opts = append(opts, clientv3.WithFromKey())
	} else {
		opts = append(opts, clientv3.WithPrefix())
	}
	resp, err := cli.Get(testCtx(t), key, opts...)
	if err != nil {
		t.Fatalf("brute list %q: %v", prefix, err)
	}
	seen := map[string]bool{}
	counts := map[string]int64{}
	var kids []Child
	for _, kv := range resp.Kvs {
		rest := string(kv.Key)[len(prefix):]
		c := Child{Name: rest, Key: string(kv.Key), Leaf: true, Count: 1}
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			c = Child{Name: rest[:i], Key: prefix + rest[:i+1], Count: -1}
		}
		counts[c.Key]++
		if !seen[c.Key] {
			seen[c.Key] = true
			kids = append(kids, c)
		}
	}
	sort.Slice(kids, func(i, j int) bool { return kids[i].Key < kids[j].Key })
	return kids, counts
}

// trickySegments sort around '/' and outside ASCII: "a" < "a-b" < "a.b" <
// "a/" < "a0", empty segments, bytes ≥ 0x80.
var trickySegments = []string{"a", "a-b", "a.b", "a0", "", "\xff", "\x80z", "b", "\xc3\xa9t\xc3\xa9"}

// genKeys builds a keyspace under root: hand-picked tricky keys plus n
// random keys of one to four segments.
func genKeys(root string, n int, seed uint64) map[string]string {
	keys := map[string]string{}
	for _, k := range []string{
		"a", "a-b", "a.b", "a/x", "a/y/z", "a0", "a//b", "a/", "\xff", "\xff/q", "b/c/d/e",
		"x/y", "x", // a key equal to a directory name
	} {
		keys[root+k] = "v:" + k
	}
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	for range n {
		segs := make([]string, 1+r.IntN(4))
		for i := range segs {
			segs[i] = trickySegments[r.IntN(len(trickySegments))]
		}
		k := root + strings.Join(segs, "/")
		keys[k] = fmt.Sprintf("v%d", len(keys))
	}
	return keys
}

// walkAll lists every directory reachable from prefix and holds each
// level against the brute-force listing.
func walkAll(t *testing.T, l *Live, cli *clientv3.Client, prefix string) int {
	t.Helper()
	ctx := testCtx(t)
	levels := 0
	queue := []string{prefix}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		page, err := l.Children(ctx, p, ChildrenOptions{})
		if err != nil {
			t.Fatalf("Children(%q): %v", p, err)
		}
		if page.More {
			t.Errorf("Children(%q) without a limit says More", p)
		}
		want, counts := bruteChildren(t, cli, p, page.Rev)
		if !reflect.DeepEqual(page.Children, want) {
			t.Fatalf("Children(%q) at rev %d:\n got %+v\nwant %+v", p, page.Rev, page.Children, want)
		}
		levels++
		for _, c := range page.Children {
			if c.Leaf {
				continue
			}
			n, err := l.Count(ctx, c.Key, page.Rev)
			if err != nil {
				t.Fatalf("Count(%q): %v", c.Key, err)
			}
			if n != counts[c.Key] {
				t.Errorf("Count(%q) = %d, want %d", c.Key, n, counts[c.Key])
			}
			queue = append(queue, c.Key)
		}
	}
	return levels
}

func TestChildrenMatchesBruteForce(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cli    *clientv3.Client
		stream int32
	}{
		{"rangestream", srvCli, streamYes},
		{"unary-fallback", oldSrvCli, streamNo},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := NewLiveFromClient(tc.cli, DefaultConfig())
			defer l.Close()
			for seed := range uint64(3) {
				root := fmt.Sprintf("/kids/%d/", seed)
				putAll(t, tc.cli, genKeys(root, 300, seed))
				if levels := walkAll(t, l, tc.cli, root); levels < 10 {
					t.Errorf("only %d levels walked under %q; the generator should make more", levels, root)
				}
			}
			if got := l.stream.Load(); got != tc.stream {
				t.Errorf("RangeStream state = %d, want %d", got, tc.stream)
			}
		})
	}
}

func TestChildrenWholeKeyspace(t *testing.T) {
	for _, tc := range []struct {
		name string
		cli  *clientv3.Client
	}{{"rangestream", srvCli}, {"unary-fallback", oldSrvCli}} {
		t.Run(tc.name, func(t *testing.T) {
			// Keys with no "/" at all, and one that is not UTF-8.
			putAll(t, tc.cli, map[string]string{"plain": "1", "\xfe\xfe": "2", "top/x": "3", "/lead": "4"})
			l := NewLiveFromClient(tc.cli, DefaultConfig())
			defer l.Close()
			page, err := l.Children(testCtx(t), "", ChildrenOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want, _ := bruteChildren(t, tc.cli, "", page.Rev)
			if !reflect.DeepEqual(page.Children, want) {
				t.Fatalf("Children(\"\"):\n got %+v\nwant %+v", page.Children, want)
			}
			for _, k := range []string{"plain", "\xfe\xfe", "top/", "/"} {
				if !hasKey(page.Children, k) {
					t.Errorf("Children(\"\") lacks %q", k)
				}
			}
		})
	}
}

func hasKey(kids []Child, key string) bool {
	for _, c := range kids {
		if c.Key == key {
			return true
		}
	}
	return false
}

func TestChildrenPaging(t *testing.T) {
	for _, tc := range []struct {
		name string
		cli  *clientv3.Client
	}{{"rangestream", srvCli}, {"unary-fallback", oldSrvCli}} {
		t.Run(tc.name, func(t *testing.T) {
			root := "/paging/"
			putAll(t, tc.cli, genKeys(root, 200, 7))
			l := NewLiveFromClient(tc.cli, DefaultConfig())
			defer l.Close()
			ctx := testCtx(t)
			full, err := l.Children(ctx, root, ChildrenOptions{})
			if err != nil {
				t.Fatal(err)
			}
			// A write after the first page must not show in later pages.
			for _, limit := range []int{1, 2, 3, 7, 1000} {
				var got []Child
				opts := ChildrenOptions{Limit: limit, Rev: full.Rev}
				for pages := 0; ; pages++ {
					if pages > len(full.Children)+1 {
						t.Fatalf("limit %d: paging does not end", limit)
					}
					p, err := l.Children(ctx, root, opts)
					if err != nil {
						t.Fatal(err)
					}
					if len(p.Children) > limit {
						t.Fatalf("limit %d: page of %d", limit, len(p.Children))
					}
					if p.Rev != full.Rev {
						t.Fatalf("limit %d: page at rev %d, want %d", limit, p.Rev, full.Rev)
					}
					got = append(got, p.Children...)
					if !p.More {
						break
					}
					mustPut(t, tc.cli, root+"zz-late/"+fmt.Sprint(limit, pages), "x")
					opts.After = p.Children[len(p.Children)-1].Key
				}
				if !reflect.DeepEqual(got, full.Children) {
					t.Errorf("limit %d: pages give\n%+v\nwant\n%+v", limit, got, full.Children)
				}
			}
		})
	}
}

func TestChildrenRoundTrips(t *testing.T) {
	for _, tc := range []struct {
		name string
		cli  *clientv3.Client
	}{{"rangestream", srvCli}, {"unary-fallback", oldSrvCli}} {
		t.Run(tc.name, func(t *testing.T) {
			root := "/trips/"
			kvs := map[string]string{}
			for d := range 20 {
				for k := range 40 {
					kvs[fmt.Sprintf("%sd%02d/k%03d", root, d, k)] = "v"
				}
			}
			for i := range 5 {
				kvs[fmt.Sprintf("%sleaf%d", root, i)] = "v"
			}
			putAll(t, tc.cli, kvs)
			l := NewLiveFromClient(tc.cli, DefaultConfig())
			defer l.Close()
			// Learn the server's RangeStream support first: that costs
			// one refused request on an old server.
			if _, err := l.Children(testCtx(t), "/nothing-here/", ChildrenOptions{}); err != nil {
				t.Fatal(err)
			}
			before := l.RoundTrips()
			page, err := l.Children(testCtx(t), root, ChildrenOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Children) != 25 {
				t.Fatalf("%d children, want 25", len(page.Children))
			}
			// About one request per directory (a guess of a numbered
			// successor that misses costs two), plus pinning and the
			// final probe.
			if trips := l.RoundTrips() - before; trips > 2*25 || trips < 1 {
				t.Errorf("listing 25 children took %d round trips, want 1..50", trips)
			}
		})
	}
}

func TestChildrenCompactedRevision(t *testing.T) {
	l := NewLiveFromClient(srvCli, DefaultConfig())
	defer l.Close()
	old := mustPut(t, srvCli, "/compacted-list/a", "1")
	rev := mustPut(t, srvCli, "/compacted-list/b", "2")
	if _, err := srvCli.Compact(testCtx(t), rev); err != nil {
		t.Fatal(err)
	}
	_, err := l.Children(testCtx(t), "/compacted-list/", ChildrenOptions{Rev: old})
	var ce *CompactedError
	if !asCompacted(err, &ce) || ce.Requested != old || ce.Compacted != rev {
		t.Fatalf("Children at a compacted revision: %v, want a CompactedError (%d, %d)", err, old, rev)
	}
	if !strings.Contains(err.Error(), `"/compacted-list/"`) {
		t.Errorf("error %q does not name the prefix", err)
	}
	if _, err := l.Count(context.Background(), "/compacted-list/", old); !asCompacted(err, &ce) {
		t.Errorf("Count at a compacted revision: %v", err)
	}
}
