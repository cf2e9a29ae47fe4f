package etcdsrc

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/etcdscope/etcdscope/decode"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// guessSegments are names that sort around each other and around the
// numbered ones the guesser counts up: prefixes of each other, a digit
// run in the middle, bytes ≥ 0x80, the empty name.
var guessSegments = []string{
	"ns", "ns-1", "ns1", "ns10", "ns1-a", "ns2", "n", "o", "", "\xff", "\xc3\xa9", "d0", "d00a",
	"pods", "configmaps", "secrets", "res", "res0", "res00x",
}

// guessKeys builds a level under root where guessing matters: numbered
// directories with holes (res00…res39, some left out), laid out alike or
// not below, with keys between them nobody would guess, leaves named as
// the directories, the key equal to root, and tricky names.
func guessKeys(root string, seed uint64) map[string]string {
	r := rand.New(rand.NewPCG(seed, seed*31+7))
	keys := map[string]string{root: "the prefix itself"}
	for i := range 40 {
		if r.IntN(5) == 0 {
			continue // a hole the successors run into
		}
		name := fmt.Sprintf("res%02d", i)
		for j := range 1 + r.IntN(4) {
			sub := fmt.Sprintf("ns%02d/obj-%d", j, r.IntN(3))
			if r.IntN(4) == 0 {
				sub = fmt.Sprintf("other%d", r.IntN(9)) // not laid out as the first
			}
			keys[root+name+"/"+sub] = "v"
		}
		if r.IntN(6) == 0 {
			keys[root+name] = "a leaf named as the directory"
		}
		if r.IntN(6) == 0 {
			keys[root+name+"-x/y"] = "between two guesses"
		}
		if r.IntN(8) == 0 {
			keys[root+name+"0"] = "just past the sub-tree"
		}
	}
	for range 30 {
		seg := guessSegments[r.IntN(len(guessSegments))]
		switch r.IntN(3) {
		case 0:
			keys[root+seg] = "leaf"
		case 1:
			keys[root+seg+"/"+guessSegments[r.IntN(len(guessSegments))]] = "dir"
		default:
			keys[root+seg+"/x/"+fmt.Sprint(r.IntN(5))] = "deeper"
		}
	}
	return keys
}

// guessLists are the caller's guesses the tests try: none, right ones,
// wrong ones, names with "/", duplicates, the empty name.
var guessLists = [][]string{
	nil,
	{"res05", "res17", "ns", "pods", "zzz", "", "a/b", "res05", "\xff"},
	{"configmaps", "namespaces", "pods", "secrets", "services"},
	{"ns1", "ns10", "ns-1", "ns2", "o", "n", "res"},
}

// checkLevel lists prefix at rev with every combination of guesses,
// counts and page sizes, and holds each against the brute-force listing.
func checkLevel(t *testing.T, l *Live, cli *clientv3.Client, prefix string, rev int64) {
	t.Helper()
	ctx := testCtx(t)
	want, counts := bruteChildren(t, cli, prefix, rev)
	for gi, guesses := range guessLists {
		for _, withCounts := range []bool{false, true} {
			for _, limit := range []int{0, 1, 3, 7, 1000} {
				var got []Child
				opts := ChildrenOptions{Limit: limit, Rev: rev, Guesses: guesses, Counts: withCounts}
				for pages := 0; ; pages++ {
					if pages > len(want)+1 {
						t.Fatalf("%q limit %d: paging does not end", prefix, limit)
					}
					p, err := l.Children(ctx, prefix, opts)
					if err != nil {
						t.Fatalf("Children(%q, %+v): %v", prefix, opts, err)
					}
					if p.Rev != rev {
						t.Fatalf("Children(%q) at rev %d, want %d", prefix, p.Rev, rev)
					}
					if limit > 0 && len(p.Children) > limit {
						t.Fatalf("limit %d: page of %d", limit, len(p.Children))
					}
					got = append(got, p.Children...)
					if !p.More {
						break
					}
					opts.After = p.Children[len(p.Children)-1].Key
				}
				wantHere := want
				if withCounts && want != nil {
					wantHere = make([]Child, len(want))
					for i, c := range want {
						c.Count = counts[c.Key]
						wantHere[i] = c
					}
				}
				if !reflect.DeepEqual(got, wantHere) {
					t.Fatalf("Children(%q) guesses #%d counts %v limit %d at rev %d:\n got %+v\nwant %+v",
						prefix, gi, withCounts, limit, rev, got, wantHere)
				}
			}
		}
	}
}

func TestChildrenGuessesMatchBruteForce(t *testing.T) {
	onBothServers(t, func(t *testing.T, l *Live, cli *clientv3.Client) {
		for seed := range uint64(4) {
			root := fmt.Sprintf("/guess/%d/", seed)
			clearPrefix(t, cli, root)
			rev := putAll(t, cli, guessKeys(root, seed))
			checkLevel(t, l, cli, root, rev)
			// A level one down, and the level as it was before the
			// writes and deletes that follow.
			checkLevel(t, l, cli, root+"res01/", rev)
			mustDelete(t, cli, root+"res03/ns00/obj-0")
			mustPut(t, cli, root+"res02x/new", "v")
			mustPut(t, cli, root+"res41/ns00/obj-0", "v")
			checkLevel(t, l, cli, root, rev)
			resp, err := cli.Get(testCtx(t), "any")
			if err != nil {
				t.Fatal(err)
			}
			checkLevel(t, l, cli, root, resp.Header.Revision)
		}
	})
}

// TestChildrenGuessesRandom holds random levels of numbered names against
// the brute-force listing: the guesses land on directories, in holes and
// next to keys nobody guessed.
func TestChildrenGuessesRandom(t *testing.T) {
	l := NewLiveFromClient(srvCli, DefaultConfig())
	defer l.Close()
	for seed := range uint64(6) {
		r := rand.New(rand.NewPCG(seed, 99))
		root := fmt.Sprintf("/guess-rand/%d/", seed)
		clearPrefix(t, srvCli, root)
		keys := map[string]string{}
		stems := []string{"n", "node-", "x1y", "v"}
		for range 200 {
			stem := stems[r.IntN(len(stems))]
			name := fmt.Sprintf("%s%0*d", stem, r.IntN(3), r.IntN(60))
			var key string
			switch r.IntN(4) {
			case 0:
				key = root + name
			case 1:
				key = root + name + "/" + strings.Repeat("z", r.IntN(3))
			default:
				key = fmt.Sprintf("%s%s/a%d/b", root, name, r.IntN(3))
			}
			keys[key] = "v"
		}
		rev := putAll(t, srvCli, keys)
		checkLevel(t, l, srvCli, root, rev)
	}
}

func TestChildrenGuessesWholeKeyspace(t *testing.T) {
	cli := oldSrvCli // its keyspace is small enough to list whole
	putAll(t, cli, map[string]string{"k1": "1", "k2/x": "2", "k3/x": "3", "k9/y": "4", "\x01": "5"})
	l := NewLiveFromClient(cli, DefaultConfig())
	defer l.Close()
	resp, err := cli.Get(testCtx(t), "any")
	if err != nil {
		t.Fatal(err)
	}
	checkLevel(t, l, cli, "", resp.Header.Revision)
}

func TestChildrenGuessesCompacted(t *testing.T) {
	l := NewLiveFromClient(srvCli, DefaultConfig())
	defer l.Close()
	root := "/guess-compacted/"
	old := putAll(t, srvCli, map[string]string{root + "d00/a": "1", root + "d01/a": "1", root + "d02/a": "1"})
	rev := mustPut(t, srvCli, root+"d03/a", "2")
	if _, err := srvCli.Compact(testCtx(t), rev); err != nil {
		t.Fatal(err)
	}
	for _, opts := range []ChildrenOptions{{Rev: old}, {Rev: old, Counts: true, Guesses: []string{"d01", "d02"}}} {
		_, err := l.Children(testCtx(t), root, opts)
		var ce *CompactedError
		if !asCompacted(err, &ce) || ce.Requested != old {
			t.Errorf("Children(%+v) at a compacted revision: %v, want a CompactedError", opts, err)
		}
	}
}

func TestKubeGuesses(t *testing.T) {
	l := NewLiveFromClient(srvCli, DefaultConfig())
	defer l.Close()
	root := "/kubeguess"
	putAll(t, srvCli, map[string]string{
		root + "/namespaces/default": "ns", root + "/namespaces/kube-system": "ns",
		root + "/pods/default/p": "pod", root + "/pods/other/p": "pod in a namespace not stored",
	})
	ctx := testCtx(t)
	cat := decode.NewCatalog()
	top := KubeGuesses(ctx, l, cat, root, root+"/", 0)
	for _, want := range []string{"pods", "services", "apiextensions.k8s.io", "minions"} {
		if !contains(top, want) {
			t.Errorf("guesses under the root lack %q: %q", want, top)
		}
	}
	if got := KubeGuesses(ctx, l, cat, root, root+"/pods/", 0); !reflect.DeepEqual(got, []string{"default", "kube-system"}) {
		t.Errorf("guesses under pods/ = %q, want the namespaces", got)
	}
	for _, prefix := range []string{root + "/nodes/", root + "/pods/default/", "/elsewhere/"} {
		if got := KubeGuesses(ctx, l, cat, root, prefix, 0); got != nil {
			t.Errorf("guesses under %q = %q, want none", prefix, got)
		}
	}
	// The guesses list the level the plain listing lists.
	resp, err := srvCli.Get(ctx, "any")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := bruteChildren(t, srvCli, root+"/pods/", resp.Header.Revision)
	page, err := l.Children(ctx, root+"/pods/", ChildrenOptions{Rev: resp.Header.Revision, Guesses: KubeGuesses(ctx, l, cat, root, root+"/pods/", 0)})
	if err != nil || !reflect.DeepEqual(page.Children, want) {
		t.Errorf("pods/ with guesses: %+v, %v; want %+v", page.Children, err, want)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestSuccessors(t *testing.T) {
	for _, tc := range []struct {
		name string
		want []string
	}{
		{"res07", []string{"res08", "res09", "res10"}},
		{"a-9", []string{"a-10", "a-11", "a-12"}},
		{"99", []string{"100", "101", "102"}},
		{"v1beta1x", []string{"v1beta2x", "v1beta3x", "v1beta4x"}},
		{"pods", nil},
		{"", nil},
	} {
		if got := successors(tc.name, 3); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("successors(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}
