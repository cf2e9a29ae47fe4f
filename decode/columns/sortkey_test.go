package columns

import (
	"bytes"
	"math"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
)

// sign is -1, 0 or +1 as n is.
func sign(n int) int { return min(max(n, -1), 1) }

// checkKeyOrder fails unless every pair of cells orders by their sort
// keys as Compare orders them.
func checkKeyOrder(t *testing.T, what string, cs []Cell) {
	t.Helper()
	keys := make([][]byte, len(cs))
	for i, c := range cs {
		keys[i] = AppendSortKey(nil, c)
	}
	for i := range cs {
		for j := range cs {
			if got, want := sign(bytes.Compare(keys[i], keys[j])), Compare(cs[i], cs[j]); got != want {
				t.Fatalf("%s: keys of %q and %q compare %d, Compare says %d", what, cs[i].Text, cs[j].Text, got, want)
			}
		}
	}
}

// TestSortKeyOrdersAsCompare checks AppendSortKey against Compare on
// cells of every kind mixed, edge values included, and on every column
// of the fixture's rows.
func TestSortKeyOrdersAsCompare(t *testing.T) {
	q := func(s string) Cell { return quantityCell(resource.MustParse(s)) }
	cells := []Cell{
		intCell(0), intCell(-1), intCell(1), intCell(math.MaxInt64), intCell(math.MinInt64), intCell(10), intCell(9),
		restartsCell(3, now.Add(-time.Hour), now), restartsCell(3, now.Add(-time.Minute), now),
		q("2G"), q("512Mi"), q("1Gi"), q("100m"), q("1"), q("1000M"), q("-1"), q("0"),
		ratioCell(3, 3), ratioCell(1, 3), ratioCell(2, 3), ratioCell(0, 1), ratioCell(0, 0), ratioCell(2, 2), ratioCell(1, 2), ratioCell(0, 2),
		ageCell(now.Add(-48*time.Hour), now), ageCell(now.Add(-5*time.Second), now), ageCell(time.Time{}, now),
		ageCell(now.Add(time.Hour), now), ageCell(time.Unix(0, 0), now),
		durationCell(time.Hour), durationCell(0), durationCell(-time.Second),
		floatCell(1.5), floatCell(-2), floatCell(0), floatCell(math.Copysign(0, -1)), floatCell(math.Inf(1)), floatCell(math.Inf(-1)), floatCell(math.NaN()),
		boolCell(true, "True"), boolCell(false, "False"),
		textCell("b"), textCell("a"), textCell("B"), textCell("ab"), textCell(""), Cell{},
		missingCell("<none>"), missingCell("<unknown>"), missingCell("<none>x"), {Text: "<error>", Problem: true},
	}
	checkKeyOrder(t, "mixed cells", cells)

	byKind, tables := fixtureRows(t)
	for prefix, rows := range byKind {
		for i, col := range tables[prefix].Columns() {
			column := make([]Cell, len(rows))
			for j, r := range rows {
				column[j] = r[i]
			}
			checkKeyOrder(t, prefix+" "+col.Name, column)
		}
	}
}

// TestMetadataAgeIsRowsAge checks that the AGE read from metadata alone
// is the AGE a whole row has, for every fixture value (encrypted, broken
// and unknown ones included).
func TestMetadataAgeIsRowsAge(t *testing.T) {
	fs := fixtures(t)
	for _, key := range fs.keys {
		tab := ForKind(fs.kind(t, key), true)
		want := tab.Row(fs.value(t, key), now)[tab.AgeIndex()]
		got := MetadataAge(fs.dec.DecodeMetadata(key, fs.kvs[key].Value), now)
		if got.Text != want.Text || Compare(got, want) != 0 {
			t.Errorf("%s: AGE from metadata %q, from the row %q", key, got.Text, want.Text)
		}
	}
}

// BenchmarkSortKeyAge reports the bytes an AGE sort key takes.
func BenchmarkSortKeyAge(b *testing.B) {
	c := ageCell(now.Add(-time.Hour), now)
	var buf []byte
	for b.Loop() {
		buf = AppendSortKey(buf[:0], c)
	}
	b.ReportMetric(float64(len(buf)), "key-bytes")
}
