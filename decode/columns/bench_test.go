package columns

import (
	"strings"
	"testing"

	"github.com/etcdscope/etcdscope/decode"
)

// benchRows runs Row over values with their kinds' tables, reporting the
// cost per row.
func benchRows(b *testing.B, keep func(key string) bool) {
	fs := fixtures(b)
	type job struct {
		tab *Table
		v   decode.Value
	}
	tables := map[string]*Table{}
	var jobs []job
	for _, key := range fs.keys {
		if !keep(key) {
			continue
		}
		k := fs.kind(b, key)
		if tables[k.Prefix] == nil {
			tables[k.Prefix] = ForKind(k, true)
		}
		jobs = append(jobs, job{tables[k.Prefix], fs.value(b, key)})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, j := range jobs {
			j.tab.Row(j.v, now)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(jobs)), "ns/row")
}

// BenchmarkRow is every live value of the fixture (683 values, 75 kinds).
func BenchmarkRow(b *testing.B) { benchRows(b, func(string) bool { return true }) }

// BenchmarkRowPods is the fixture's pods (2.4 KiB stored, ~3 KiB JSON).
func BenchmarkRowPods(b *testing.B) {
	benchRows(b, func(k string) bool { return strings.HasPrefix(k, "/registry/pods/") })
}

// BenchmarkRowEvents is the fixture's 151 events.
func BenchmarkRowEvents(b *testing.B) {
	benchRows(b, func(k string) bool { return strings.HasPrefix(k, "/registry/events/") })
}

// BenchmarkRowCRD is a Foo with eight printer columns (JSONPath each).
func BenchmarkRowCRD(b *testing.B) {
	fs := fixtures(b)
	t := &testing.T{}
	tab := ForKind(fooKind(t, v1Columns), true)
	v := fs.value(b, "/registry/cr.bar.com/foos/coverage/cr-0")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		tab.Row(v, now)
	}
}

// BenchmarkKeyRow is the row of an undecoded key.
func BenchmarkKeyRow(b *testing.B) {
	fs := fixtures(b)
	tab := ForKind(fs.kind(b, "/registry/pods/shop/db-0"), true)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		tab.KeyRow("/registry/pods/shop/web-6bbcb4d55f-5z72c", 2400)
	}
}
