package columns

import (
	"slices"
	"sort"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
)

// sortTexts sorts cells with Compare and returns their texts.
func sortTexts(cs []Cell) []string {
	sort.SliceStable(cs, func(i, j int) bool { return Compare(cs[i], cs[j]) < 0 })
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Text
	}
	return out
}

func TestCompare(t *testing.T) {
	q := func(s string) Cell { return quantityCell(resource.MustParse(s)) }
	for _, tc := range []struct {
		name  string
		cells []Cell
		want  []string
	}{
		{
			name:  "integers as numbers, missing last",
			cells: []Cell{intCell(10), missingCell("<none>"), intCell(9), intCell(-1), intCell(100)},
			want:  []string{"-1", "9", "10", "100", "<none>"},
		},
		{
			name:  "restarts by count, not by text",
			cells: []Cell{restartsCell(12, now.Add(-time.Minute), now), restartsCell(3, now.Add(-time.Hour), now), restartsCell(0, time.Time{}, now)},
			want:  []string{"0", "3 (60m ago)", "12 (60s ago)"},
		},
		{
			name:  "quantities as quantities",
			cells: []Cell{q("2G"), q("512Mi"), q("1Gi"), q("100m"), q("1"), q("1000M")},
			want:  []string{"100m", "1", "512Mi", "1G", "1Gi", "2G"}, // 1000M prints canonical, as kubectl
		},
		{
			// By the ready fraction, then the total; 0/0 is all ready.
			name:  "ratios",
			cells: []Cell{ratioCell(3, 3), ratioCell(1, 3), ratioCell(2, 3), ratioCell(0, 1), ratioCell(0, 0), ratioCell(2, 2), ratioCell(1, 2)},
			want:  []string{"0/1", "1/3", "1/2", "2/3", "0/0", "2/2", "3/3"},
		},
		{
			name: "ages youngest first",
			cells: []Cell{
				ageCell(now.Add(-48*time.Hour), now), ageCell(now.Add(-5*time.Second), now),
				ageCell(time.Time{}, now), ageCell(now.Add(-90*time.Minute), now),
			},
			want: []string{"5s", "90m", "2d", "<unknown>"},
		},
		{
			name:  "durations shortest first",
			cells: []Cell{durationCell(time.Hour), durationCell(90 * time.Second), durationCell(5 * time.Second)},
			want:  []string{"5s", "90s", "60m"},
		},
		{
			name:  "numbers",
			cells: []Cell{floatCell(1.5), floatCell(-2), floatCell(0.25), floatCell(10)},
			want:  []string{"-2", "0.25", "1.5", "10"},
		},
		{
			name:  "booleans false first",
			cells: []Cell{boolCell(true, "True"), boolCell(false, "False"), missingCell("<unset>")},
			want:  []string{"False", "True", "<unset>"},
		},
		{
			name:  "text, empty last",
			cells: []Cell{textCell("b"), textCell(""), textCell("a"), textCell("B")},
			want:  []string{"B", "a", "b", ""},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := sortTexts(tc.cells); !slices.Equal(got, tc.want) {
				t.Errorf("sorted %v, want %v", got, tc.want)
			}
		})
	}
	if Compare(intCell(1), intCell(1)) != 0 || Compare(intCell(1), intCell(2)) != -1 || Compare(intCell(2), intCell(1)) != 1 {
		t.Error("Compare is not -1/0/+1")
	}
}

// TestSortFixtureColumns sorts real rows by a few columns: every column
// of every table sorts without panicking, and the orders are the
// columns' own.
func TestSortFixtureColumns(t *testing.T) {
	byKind, tables := fixtureRows(t)
	for prefix, rows := range byKind {
		for i := range tables[prefix].Columns() {
			sort.SliceStable(rows, func(a, b int) bool { return Compare(rows[a][i], rows[b][i]) < 0 })
			for j := 1; j < len(rows); j++ {
				if Compare(rows[j-1][i], rows[j][i]) > 0 {
					t.Fatalf("%s column %d not sorted", prefix, i)
				}
			}
		}
	}

	// Events by LAST SEEN: the newest first, the 2017 one last but for
	// the one with no time at all.
	events := byKind["events"]
	tab := tables["events"]
	col := tab.Index("LAST SEEN")
	sort.SliceStable(events, func(a, b int) bool { return Compare(events[a][col], events[b][col]) < 0 })
	n := len(events)
	if events[n-1][col].Text != "<unknown>" || events[n-2][col].Text != "9y" || events[0][col].Text != "56m" {
		t.Errorf("LAST SEEN order: first %q, last %q %q", events[0][col].Text, events[n-2][col].Text, events[n-1][col].Text)
	}
	// Config maps by SIZE: bytes, not text ("518 B" after "1.6 KiB" as text).
	cms := byKind["configmaps"]
	size := tables["configmaps"].Index("SIZE")
	sort.SliceStable(cms, func(a, b int) bool { return Compare(cms[a][size], cms[b][size]) < 0 })
	if cms[0][size].Text != "253 B" || cms[len(cms)-1][size].Text != "1.6 KiB" {
		t.Errorf("SIZE order: %q ... %q", cms[0][size].Text, cms[len(cms)-1][size].Text)
	}
}

// fixtureRows is every fixture value's row, by its kind's prefix, and the
// table of each kind.
func fixtureRows(t *testing.T) (map[string][][]Cell, map[string]*Table) {
	t.Helper()
	fs := fixtures(t)
	byKind := map[string][][]Cell{}
	tables := map[string]*Table{}
	for _, key := range fs.keys {
		k := fs.kind(t, key)
		tab, ok := tables[k.Prefix]
		if !ok {
			tab = ForKind(k, true)
			tables[k.Prefix] = tab
		}
		byKind[k.Prefix] = append(byKind[k.Prefix], tab.Row(fs.value(t, key), now))
	}
	return byKind, tables
}
