// Package columns computes the columns kubectl prints for a kind (`kubectl
// get pods`: NAME READY STATUS RESTARTS AGE) from decoded stored values,
// one row at a time, with a sort key per cell and width and priority hints
// for lists on a terminal. Built-in kinds follow kubectl's printers;
// custom resources show their CRD's additionalPrinterColumns, evaluated
// with client-go's jsonpath. Every table also has SIZE (the stored bytes)
// and AGE, and NAMESPACE when it lists all namespaces.
//
// A Table is immutable once built and safe for concurrent use; Row decodes
// nothing but the one value it is given, so a list can compute only the
// rows on screen.
package columns

import (
	"strings"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/etcdscope/etcdscope/decode"
)

// Type is what a column's values are, and so how they sort.
type Type uint8

// The column types.
const (
	// Text sorts as strings.
	Text Type = iota
	// Integer sorts as whole numbers (RESTARTS "3 (5m ago)" by its 3).
	Integer
	// Number sorts as decimals.
	Number
	// Quantity sorts as resource quantities: 512Mi < 1Gi < 2G.
	Quantity
	// Ratio is "ready/total" (READY 2/3): sorts by the ready fraction,
	// then by the total.
	Ratio
	// Age is a time shown as how long ago it was; sorts youngest first.
	Age
	// Duration is a span of time (a Job's DURATION); sorts shortest first.
	Duration
	// Boolean sorts false before true.
	Boolean
)

// String names the type.
func (t Type) String() string {
	switch t {
	case Text:
		return "text"
	case Integer:
		return "integer"
	case Number:
		return "number"
	case Quantity:
		return "quantity"
	case Ratio:
		return "ratio"
	case Age:
		return "age"
	case Duration:
		return "duration"
	case Boolean:
		return "boolean"
	}
	return "unknown"
}

// Column describes one column of a Table.
type Column struct {
	// Name is the header, upper case as kubectl prints it: "NAME",
	// "READY", "ACCESS MODES".
	Name string
	// Type is what the cells hold, and how they sort.
	Type Type
	// Width is the widest the column usually needs; Fit gives it no more
	// unless there is room to spare (NAME is never capped).
	Width int
	// Priority says which columns give way first on a narrow screen: 0 is
	// never hidden (NAME), higher numbers are hidden sooner. Wide columns
	// have the highest.
	Priority int
	// Wide is true for the columns kubectl prints only with -o wide.
	Wide bool
}

// The priorities the built-in tables use. Between importantPriority and
// extraPriority, Fit first hides extra columns, then shortens NAME to
// NameMinWidth, then hides the important ones.
const (
	namePriority      = 0
	keyPriority       = 1 // NAMESPACE, a Pod's STATUS, a Secret's TYPE
	importantPriority = 2 // the kind's usual columns
	agePriority       = 3
	extraPriority     = 4 // SIZE, NODE, long lists
	widePriority      = 6 // kubectl's -o wide columns
)

// Clip fits s into w cells for this column: a NAME is cut in the middle,
// keeping its start and its distinguishing end (Shorten); other cells are
// cut at the end with "…".
func (c Column) Clip(s string, w int) string {
	if c.Name == nameHeader {
		return Shorten(s, w)
	}
	return truncate(s, w)
}

// Cell is one cell of a row: its text and the key it sorts by.
type Cell struct {
	// Text is what kubectl would print ("2/3", "Running", "3 (5m ago)").
	Text string
	// Problem is true when the cell reports that the value could not be
	// read (a decode error) rather than data.
	Problem bool
	key     sortKey
}

// Headers shared by every table.
const (
	namespaceHeader = "NAMESPACE"
	nameHeader      = "NAME"
	sizeHeader      = "SIZE"
	ageHeader       = "AGE"
)

// Table is the column set of one kind, and computes its rows.
type Table struct {
	kind  decode.Kind
	allNS bool
	cols  []Column
	// first is the index of the first column after NAME; size and age
	// those of SIZE and AGE.
	first, size, age int
	rows             rowFunc
}

// rowFunc fills a decoded object's kind columns (out) and returns its
// creation time.
type rowFunc func(v decode.Value, now time.Time, out []Cell) (time.Time, error)

// ForKind returns the table for kind k. allNamespaces adds a NAMESPACE
// column first (for namespaced kinds), as kubectl does for -A. A CRD kind
// takes its columns from k.PrinterColumns; a kind this package has no
// printer for has NAME, SIZE and AGE.
func ForKind(k decode.Kind, allNamespaces bool) *Table {
	t := &Table{kind: k, allNS: allNamespaces && k.Namespaced}
	if t.allNS {
		t.cols = append(t.cols, Column{Name: namespaceHeader, Type: Text, Width: 16, Priority: keyPriority})
	}
	t.cols = append(t.cols, Column{Name: nameHeader, Type: Text, Width: 40, Priority: namePriority})
	t.first = len(t.cols)
	var kindCols []Column
	switch {
	case k.CRD:
		kindCols, t.rows = crdTable(k.PrinterColumns)
	default:
		if p, ok := builtins[k.Group+"/"+k.Kind]; ok {
			kindCols, t.rows = p.cols, p.row
		} else {
			t.rows = metaRow
		}
	}
	t.cols = append(t.cols, kindCols...)
	t.size = len(t.cols)
	t.cols = append(t.cols, Column{Name: sizeHeader, Type: Integer, Width: 9, Priority: extraPriority})
	t.age = len(t.cols)
	t.cols = append(t.cols, Column{Name: ageHeader, Type: Age, Width: 6, Priority: agePriority})
	return t
}

// Kind is the kind the table is for.
func (t *Table) Kind() decode.Kind { return t.kind }

// Columns returns the table's columns in order. The slice is the
// caller's.
func (t *Table) Columns() []Column { return append([]Column(nil), t.cols...) }

// Index returns the index of the column named name (case-insensitive), or
// -1.
func (t *Table) Index(name string) int {
	for i, c := range t.cols {
		if strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}

// KeyRow is the row of a key whose value is not decoded yet: NAMESPACE,
// NAME and SIZE (size is the stored value's length) filled from the key,
// the other cells empty with no sort key. It lets a list sort by name or
// size before decoding anything.
func (t *Table) KeyRow(key string, size int) []Cell {
	cells := make([]Cell, len(t.cols))
	t.keyCells(cells, key, size)
	return cells
}

// keyCells fills the cells the key and size tell.
func (t *Table) keyCells(cells []Cell, key string, size int) {
	ns, name := splitKey(key, t.kind.Namespaced)
	if t.allNS {
		cells[0] = textCell(decode.EscapeKey(ns))
	}
	cells[t.first-1] = textCell(decode.EscapeKey(name))
	cells[t.size] = Cell{Text: humanize.IBytes(uint64(size)), key: sortKey{kind: keyInt, n: int64(size), derived: true}}
}

// Row computes the cells of one decoded value at time now (ages are
// relative to it). The name comes from the value's key (the object's
// metadata when the key is empty). A value that failed to decode, or is
// still encrypted, keeps its name, namespace and size and says so in its
// first column after NAME; one of a type this build does not know shows
// its name, age and size. Row never panics.
func (t *Table) Row(v decode.Value, now time.Time) []Cell {
	cells := make([]Cell, len(t.cols))
	key := v.Key
	if key == "" {
		key = metaKey(v.Object)
	}
	t.keyCells(cells, key, len(v.Raw))
	kind := cells[t.first:t.size]
	// The first cell after NAME carries what became of an unreadable
	// value: a kind column or, without one, AGE.
	note := t.first
	switch {
	case v.Err != nil:
		cells[note] = Cell{Text: "<error>", Problem: true}
	case len(v.Fields) > 0 || (v.Kind != "" && v.Kind != t.kind.Kind && !t.kind.CRD):
		// A type this build does not know (its fields are a raw dump,
		// its metadata decoded when it has any), or another kind under
		// this prefix: name, size and age only.
		created, _ := metaRow(v, now, nil)
		cells[t.age] = ageCell(created, now)
	case v.Object == nil && v.Encryption != nil && !v.Encryption.Decrypted:
		cells[note] = missingCell("<encrypted>")
	case v.Object == nil:
		enc := v.Encoding
		if enc == "" {
			enc = decode.EncodingEmpty
		}
		cells[note] = missingCell("<" + enc.String() + ">")
	default:
		created, err := t.rows(v, now, kind)
		if err != nil {
			clear(kind)
			cells[note] = Cell{Text: "<error>", Problem: true}
			created, _ = metaRow(v, now, nil)
		}
		cells[t.age] = ageCell(created, now)
	}
	if t.kind.Kind == "Secret" && t.kind.Group == "" && len(kind) > 0 {
		// ENCRYPTION is known even when the data is not.
		kind[len(kind)-1] = encryptionCell(v.Encryption)
	}
	return cells
}

// splitKey returns the namespace and name an object key ends with.
// Kubernetes names have no "/", so the last segment is the name.
func splitKey(key string, namespaced bool) (ns, name string) {
	i := strings.LastIndexByte(key, '/')
	name = key[i+1:]
	if namespaced && i > 0 {
		rest := key[:i]
		ns = rest[strings.LastIndexByte(rest, '/')+1:]
	}
	return ns, name
}

// encryptionCell is a Secret's ENCRYPTION: provider:key, or none.
func encryptionCell(e *decode.Encryption) Cell {
	if e == nil {
		return textCell("none")
	}
	return textCell(e.Provider + ":" + e.KeyName)
}
