package columns

import (
	"cmp"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/duration"
)

// keyKind says which fields of a sortKey hold the key.
type keyKind uint8

const (
	keyNone     keyKind = iota // no key: sorts after every cell that has one
	keyText                    // Text
	keyInt                     // n
	keyFloat                   // f
	keyQuantity                // q
	keyRatio                   // n/d
	keyTime                    // n: Unix nanoseconds; a later time sorts first
	keyDuration                // n: nanoseconds
)

// sortKey is what a cell sorts by.
type sortKey struct {
	kind keyKind
	// derived: the cell's text follows from the key alone, so a tie on
	// the key is a tie on the text too (AppendSortKey leaves it out).
	derived bool
	n, d    int64
	f       float64
	q       *resource.Quantity
}

// Compare orders two cells of one column for sorting, ascending: numbers
// as numbers, quantities as quantities, ages youngest first, ratios by the
// ready fraction; cells with no value (<none>, <unknown>, empty) after
// all others; ties by text. It returns -1, 0 or +1.
func Compare(a, b Cell) int {
	switch {
	case a.key.kind == keyNone && b.key.kind == keyNone:
		return strings.Compare(a.Text, b.Text)
	case a.key.kind == keyNone:
		return 1
	case b.key.kind == keyNone:
		return -1
	case a.key.kind != b.key.kind:
		return cmp.Compare(a.key.kind, b.key.kind)
	}
	if c := compareKeys(a.key, b.key); c != 0 {
		return c
	}
	return strings.Compare(a.Text, b.Text)
}

// compareKeys compares two keys of the same kind.
func compareKeys(a, b sortKey) int {
	switch a.kind {
	case keyInt, keyDuration:
		return cmp.Compare(a.n, b.n)
	case keyTime:
		return cmp.Compare(b.n, a.n)
	case keyFloat:
		return cmp.Compare(a.f, b.f)
	case keyQuantity:
		return a.q.Cmp(*b.q)
	case keyRatio:
		// a.n/a.d against b.n/b.d without division; 0/0 counts as all
		// ready (nothing is missing). Counts are int32 in the API, so
		// the products fit.
		an, ad, bn, bd := a.n, a.d, b.n, b.d
		if ad == 0 {
			an, ad = 1, 1
		}
		if bd == 0 {
			bn, bd = 1, 1
		}
		if c := cmp.Compare(an*bd, bn*ad); c != 0 {
			return c
		}
		return cmp.Compare(a.d, b.d)
	}
	return 0
}

// textCell is a text cell; an empty one has no sort key.
func textCell(s string) Cell {
	if s == "" {
		return Cell{}
	}
	return Cell{Text: s, key: sortKey{kind: keyText}}
}

// missingCell shows that a value is absent or unknown (<none>): it sorts
// last.
func missingCell(s string) Cell { return Cell{Text: s} }

// intCell is an integer cell.
func intCell[T int | int32 | int64](n T) Cell {
	return Cell{Text: strconv.FormatInt(int64(n), 10), key: sortKey{kind: keyInt, n: int64(n), derived: true}}
}

// ratioCell is "n/d", as READY.
func ratioCell[T int | int32 | int64](n, d T) Cell {
	return Cell{
		Text: strconv.FormatInt(int64(n), 10) + "/" + strconv.FormatInt(int64(d), 10),
		key:  sortKey{kind: keyRatio, n: int64(n), d: int64(d)},
	}
}

// ageCell shows how long before now t was, as kubectl's AGE; a zero time
// is <unknown>.
func ageCell(t, now time.Time) Cell {
	if t.IsZero() {
		return missingCell("<unknown>")
	}
	return Cell{Text: duration.HumanDuration(now.Sub(t)), key: sortKey{kind: keyTime, n: t.UnixNano()}}
}

// durationCell is a span of time as kubectl prints it ("5m10s").
func durationCell(d time.Duration) Cell {
	return Cell{Text: duration.HumanDuration(d), key: sortKey{kind: keyDuration, n: int64(d), derived: true}}
}

// quantityCell is a resource quantity.
func quantityCell(q resource.Quantity) Cell {
	return Cell{Text: q.String(), key: sortKey{kind: keyQuantity, q: &q}}
}

// boolCell is a boolean shown as text ("true", "False").
func boolCell(b bool, text string) Cell {
	n := int64(0)
	if b {
		n = 1
	}
	return Cell{Text: text, key: sortKey{kind: keyInt, n: n}}
}

// floatCell is a decimal number shown as Go (and so kubectl) prints a
// float64.
func floatCell(f float64) Cell {
	return Cell{Text: strconv.FormatFloat(f, 'g', -1, 64), key: sortKey{kind: keyFloat, f: f}}
}

// noneIfEmpty is s, or a missing <none> cell when s is empty (kubectl's
// word for an unset field).
func noneIfEmpty(s string) Cell {
	if s == "" {
		return missingCell("<none>")
	}
	return textCell(s)
}
