package etcdsrc

import (
	"bytes"
	"slices"
	"testing"

	"github.com/etcdscope/etcdscope/decode/fixture"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// TestFixtureKeys loads the real kube-apiserver keys into etcd, walks the
// tree from /registry/ and reads every key back.
func TestFixtureKeys(t *testing.T) {
	kvs, err := fixture.KVs()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cli  *clientv3.Client
	}{{"rangestream", srvCli}, {"unary-fallback", oldSrvCli}} {
		t.Run(tc.name, func(t *testing.T) {
			load := map[string]string{}
			for _, kv := range kvs {
				load[kv.Key] = string(kv.Value)
			}
			putAll(t, tc.cli, load)
			l := NewLiveFromClient(tc.cli, DefaultConfig())
			defer l.Close()
			ctx := testCtx(t)

			var leaves []string
			queue := []string{"/registry/"}
			for len(queue) > 0 {
				p := queue[0]
				queue = queue[1:]
				// Small pages, so paging is walked too.
				opts := ChildrenOptions{Limit: 50}
				for {
					page, err := l.Children(ctx, p, opts)
					if err != nil {
						t.Fatalf("Children(%q): %v", p, err)
					}
					for _, c := range page.Children {
						if c.Leaf {
							leaves = append(leaves, c.Key)
						} else {
							queue = append(queue, c.Key)
						}
					}
					if !page.More {
						break
					}
					opts.After, opts.Rev = page.Children[len(page.Children)-1].Key, page.Rev
				}
			}
			slices.Sort(leaves)
			want := make([]string, 0, len(kvs))
			for _, kv := range kvs {
				want = append(want, kv.Key)
			}
			slices.Sort(want)
			if !slices.Equal(leaves, want) {
				t.Fatalf("walk found %d keys, the fixture has %d", len(leaves), len(want))
			}

			for _, kv := range kvs {
				got, err := l.Get(ctx, kv.Key, 0)
				if err != nil {
					t.Fatalf("Get(%q): %v", kv.Key, err)
				}
				if !bytes.Equal(got.Value, kv.Value) {
					t.Errorf("Get(%q): %d bytes differ from the fixture's %d", kv.Key, len(got.Value), len(kv.Value))
				}
			}
		})
	}
}
