package kindlist

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/etcdscope/etcdscope/etcdsrc"
)

// benchItems is the kind list of the explorer-at-scale bench: every
// ConfigMap of the kube data set at 1M keys.
const benchItems = 300_000

// benchList lists benchItems ConfigMaps of about 1 KB in 20 namespaces,
// as a Range would give them.
func benchList() *List {
	l := New("/registry/configmaps/", true)
	l.Expect(benchItems) // as the pane does, from a count
	value := make([]byte, 957)
	for i := range benchItems {
		l.Add(etcdsrc.KeyValue{Key: fmt.Sprintf("/registry/configmaps/ns%02d/cm-%05d", i/(benchItems/20), i%(benchItems/20)), Value: value})
	}
	return l
}

// BenchmarkListBytesPerItem is what a list costs per row once listed and
// viewed: the heap after a GC, less the heap before, per item.
func BenchmarkListBytesPerItem(b *testing.B) {
	var before, after runtime.MemStats
	var perItem float64
	for b.Loop() {
		runtime.GC()
		runtime.ReadMemStats(&before)
		l := benchList()
		l.SetFilter("")
		if n := l.ShownLen(); n != benchItems {
			b.Fatalf("%d rows shown", n)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perItem = float64(after.HeapAlloc-before.HeapAlloc) / benchItems
		runtime.KeepAlive(l)
	}
	b.ReportMetric(perItem, "bytes/item")
}

// BenchmarkApplyEventsBatch applies a watch batch of 4096 events (the
// most one message carries: creates, updates and deletes) to a list of
// benchItems, and views it again, filtered: the per-batch cost at high
// event rates.
func BenchmarkApplyEventsBatch(b *testing.B) {
	l := benchList()
	l.SetFilter("cm-001")
	l.ShownLen()
	rev := int64(1)
	now := time.Unix(0, 0)
	value := make([]byte, 100)
	i := 0
	for b.Loop() {
		evs := make([]etcdsrc.Event, 4096)
		for j := range evs {
			rev++
			k := fmt.Sprintf("/registry/configmaps/ns%02d/bench-%05d", i%20, i%20000)
			typ := etcdsrc.EventPut
			if (i/20000)%2 == 1 {
				typ = etcdsrc.EventDelete
			}
			evs[j] = etcdsrc.Event{Type: typ, Revision: rev, KV: etcdsrc.KeyValue{Key: k, Value: value, ModRevision: rev, Version: 1}}
			i++
		}
		l.ApplyEvents(evs, now)
		now = now.Add(time.Second)
		l.Sweep(now)
		l.ShownLen()
	}
	b.ReportMetric(float64(b.N*4096)/b.Elapsed().Seconds(), "events/s")
}
