package tui

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

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
	d.selectPath("/registry/pods/")
	d.key("l")
	pods := d.m.node("/registry/pods/")
	d.until("pods", func(m *Model) bool { return counted(pods) })
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
