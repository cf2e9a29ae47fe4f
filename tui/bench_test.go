package tui

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc"
)

// largeConfigMap is a ConfigMap of about 1.5 MB stored as JSON, the kind
// of object that must render without freezing keys.
func largeConfigMap(b *testing.B) []byte {
	b.Helper()
	data := map[string]string{}
	for i := range 3000 {
		data[fmt.Sprintf("file-%04d.conf", i)] = strings.Repeat(fmt.Sprintf("line %d: some configuration value\n", i), 14)
	}
	obj := map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "big", "namespace": "default", "uid": "0b5c6c56-0a4a-4f55-9d8e-0c1b0a4a4f55"},
		"data":     data,
	}
	out, err := json.Marshal(obj)
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// BenchmarkRenderLargeObject is the work loadObjectCmd does off the loop
// for a 1.5 MB object: decode, YAML, highlight.
func BenchmarkRenderLargeObject(b *testing.B) {
	lipgloss.SetColorProfile(termenv.TrueColor)
	defer lipgloss.SetColorProfile(termenv.Ascii)
	raw := largeConfigMap(b)
	pal := newPalette(NewStyles())
	dec := decode.NewDecoder()
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		v := dec.Decode("/registry/configmaps/default/big", raw, nil)
		r := renderValue(pal, v, renderOpts{})
		if !strings.Contains(r.plain, "file-2999.conf") {
			b.Fatal("incomplete rendering")
		}
	}
}

// BenchmarkSetLargeContent is what the loop does with that rendering:
// split it once and give it to the viewport.
func BenchmarkSetLargeContent(b *testing.B) {
	lipgloss.SetColorProfile(termenv.TrueColor)
	defer lipgloss.SetColorProfile(termenv.Ascii)
	raw := largeConfigMap(b)
	c := &common{styles: NewStyles(), keys: newKeyMaps()}
	o := newObjectPane(c)
	o.SetSize(100, 40)
	r := renderValue(o.pal, decode.NewDecoder().Decode("k", raw, nil), renderOpts{})
	b.ReportAllocs()
	for b.Loop() {
		o.setRendered(r)
		_ = o.View()
	}
}

// BenchmarkWatchBatch applies a batch of 4096 watch events (the most one
// message carries) to a tree with every pod namespace open, and draws a
// frame: the per-batch cost at high event rates.
func BenchmarkWatchBatch(b *testing.B) {
	d := newDriver(b, Options{}, 160, 45)
	d.start()
	pods := d.openLevel("/registry/pods/")
	for _, ns := range pods.Children {
		d.selectKey(ns.Key)
		d.key("l")
		d.until("pods of "+ns.Name, func(m *Model) bool { return ns.Loaded })
	}
	rev := d.m.tree.tree.MinRev("/registry/pods/") + 1
	mk := func(i int, typ etcdsrc.EventType) etcdsrc.Event {
		ns := pods.Children[i%len(pods.Children)]
		k := fmt.Sprintf("%sbench-%d", ns.Key, i%5000)
		rev++
		kv := etcdsrc.KeyValue{Key: k, CreateRevision: rev, ModRevision: rev, Version: 1, Value: []byte("x")}
		return etcdsrc.Event{Type: typ, Revision: rev, KV: kv}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		evs := make([]etcdsrc.Event, watchBatch)
		for j := range evs {
			typ := etcdsrc.EventPut
			if (i/5000)%2 == 1 {
				typ = etcdsrc.EventDelete
			}
			evs[j] = mk(i, typ)
			i++
		}
		d.m.applyEvents(evs)
		_ = d.m.View()
	}
	b.ReportMetric(float64(b.N*watchBatch)/b.Elapsed().Seconds(), "events/s")
}

// benchLevel is how many ConfigMaps BenchmarkKeyPress seeds in one
// namespace under a root of its own: a long level of the tree and a long
// kind list.
const benchLevel = 10_000

var seedKeyPress sync.Once

// seedBenchLevel writes the benchmark's ConfigMaps under /benchkeys,
// which only it and TestListDecodedRowsStayBounded read (under a root
// of their own), once per process.
func seedBenchLevel(b testing.TB) {
	b.Helper()
	var err error
	seedKeyPress.Do(func() {
		ops := make([]clientv3.Op, 0, 128)
		for i := range benchLevel {
			name := fmt.Sprintf("cm-%05d", i)
			v := fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":%q,"namespace":"bench","uid":"00000000-0000-4000-8000-%012d","creationTimestamp":"2026-01-01T00:00:00Z","labels":{"app":"a%d"}},"data":{"k":"v"}}`, name, i, i%50)
			ops = append(ops, clientv3.OpPut("/benchkeys/configmaps/bench/"+name, v))
			if len(ops) == cap(ops) || i == benchLevel-1 {
				if _, err = client.Txn(context.Background()).Then(ops...).Commit(); err != nil {
					return
				}
				ops = ops[:0]
			}
		}
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkKeyPress is the budget of a key press that needs no I/O
// (shown in the next frame: Update + View within 16 ms) on a loaded
// model, 160×50: the tree with a level of 10,000 keys open (in one page),
// and a kind list of 10,000 ConfigMaps. Each op is one press of j, k,
// page down/up, G or g, its Update and the View after it; the Cmds they
// return (a preview timer) are not run.
func BenchmarkKeyPress(b *testing.B) {
	seedBenchLevel(b)
	presses := []string{"j", "j", "j", "k", "pgdown", "pgdown", "pgup", "G", "k", "g"}
	measure := func(b *testing.B, d *driver) {
		times := make([]time.Duration, 0, 1024)
		i := 0
		for b.Loop() {
			t0 := time.Now()
			d.m.Update(keyMsg(presses[i%len(presses)]))
			_ = d.m.View()
			times = append(times, time.Since(t0))
			i++
		}
		slices.Sort(times)
		b.ReportMetric(float64(times[len(times)*99/100])/1e6, "p99-ms")
		b.ReportMetric(float64(times[len(times)-1])/1e6, "max-ms")
	}
	b.Run("tree", func(b *testing.B) {
		d := newDriver(b, Options{Root: "/benchkeys"}, 160, 50)
		d.do(func(m *Model) { m.c.pageSize = benchLevel })
		d.start()
		d.selectPath("/benchkeys/configmaps/bench/")
		d.key("l")
		level := d.m.node("/benchkeys/configmaps/bench/")
		d.until("the long level", func(m *Model) bool { return level.Loaded && len(level.Children) == benchLevel })
		d.key("j")
		measure(b, d)
	})
	b.Run("list", func(b *testing.B) {
		d := newDriver(b, Options{Root: "/benchkeys"}, 160, 50)
		d.start()
		d.openList("cm")
		if n := d.m.list.list.Len(); n != benchLevel {
			b.Fatalf("the list holds %d items, want %d", n, benchLevel)
		}
		measure(b, d)
	})
}
