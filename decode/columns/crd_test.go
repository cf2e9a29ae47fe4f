package columns

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/etcdscope/etcdscope/decode"
)

// None of the fixture's four CRDs (five with the OpenShift one) has
// printer columns, so these tests add them to the stored foos.cr.bar.com
// CRD, in both stored shapes, and read the fixture's real Foo objects
// (CBOR- and JSON-encoded) with them.

const crdKey = "/registry/apiextensions.k8s.io/customresourcedefinitions/foos.cr.bar.com"

// v1beta1 keeps the columns at the top of the spec, for every version,
// with "JSONPath".
const v1beta1Columns = `{"spec":{"additionalPrinterColumns":[
	{"name":"Color","type":"string","JSONPath":".spec.color"},
	{"name":"Size","type":"integer","JSONPath":".spec.size","description":"how big"},
	{"name":"Ratio","type":"number","JSONPath":".spec.ratio"},
	{"name":"Enabled","type":"boolean","JSONPath":".spec.enabled"},
	{"name":"List","type":"string","JSONPath":".spec.nested.list","priority":1},
	{"name":"Phase","type":"string","JSONPath":".status.phase"},
	{"name":"Seen","type":"date","JSONPath":".metadata.managedFields[0].time"},
	{"name":"Age","type":"date","JSONPath":".metadata.creationTimestamp"}]}}`

// v1 keeps them per version, with "jsonPath".
const v1Columns = `{"apiVersion":"apiextensions.k8s.io/v1","spec":{"version":null,"versions":[{"name":"v1","served":true,"storage":true,"additionalPrinterColumns":[
	{"name":"Color","type":"string","jsonPath":".spec.color"},
	{"name":"Size","type":"integer","jsonPath":".spec.size","description":"how big"},
	{"name":"Ratio","type":"number","jsonPath":".spec.ratio"},
	{"name":"Enabled","type":"boolean","jsonPath":".spec.enabled"},
	{"name":"List","type":"string","jsonPath":".spec.nested.list","priority":1},
	{"name":"Phase","type":"string","jsonPath":".status.phase"},
	{"name":"Seen","type":"date","jsonPath":".metadata.managedFields[0].time"},
	{"name":"Age","type":"date","jsonPath":".metadata.creationTimestamp"}]}]}}`

// fooKind is foos.cr.bar.com as a catalog knows it from the CRD with
// patch applied.
func fooKind(t *testing.T, patch string) decode.Kind {
	t.Helper()
	fs := fixtures(t)
	crd := fs.patched(t, crdKey, patch)
	c := decode.NewCatalog()
	if err := c.AddCRD(crd.Object); err != nil {
		t.Fatal(err)
	}
	k, err := c.Lookup("foos.cr.bar.com")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestCRDPrinterColumns(t *testing.T) {
	fs := fixtures(t)
	for _, shape := range []struct{ name, patch string }{
		{"v1beta1", v1beta1Columns},
		{"v1", v1Columns},
	} {
		t.Run(shape.name, func(t *testing.T) {
			tab := ForKind(fooKind(t, shape.patch), true)
			// The creationTimestamp date column is the table's own AGE.
			want := []string{"NAMESPACE", "NAME", "COLOR", "SIZE", "RATIO", "ENABLED", "LIST", "PHASE", "SEEN", "SIZE", "AGE"}
			if got := headers(tab); !slices.Equal(got, want) {
				t.Fatalf("columns %v, want %v", got, want)
			}
			cols := tab.Columns()
			types := []Type{Text, Text, Text, Integer, Number, Boolean, Text, Text, Age, Integer, Age}
			for i, c := range cols {
				if c.Type != types[i] {
					t.Errorf("%s is %s, want %s", c.Name, c.Type, types[i])
				}
			}
			if list := cols[6]; !list.Wide || list.Priority < widePriority {
				t.Errorf("priority 1 column: %+v", list)
			}
			if color := cols[2]; color.Wide {
				t.Errorf("priority 0 column is wide")
			}

			for _, tc := range []struct {
				key  string
				want map[string]string
			}{
				{
					// CBOR-encoded; size 105 after its history.
					key: "/registry/cr.bar.com/foos/coverage/cr-0",
					want: map[string]string{"NAME": "cr-0", "COLOR": "red", "SIZE": "105", "RATIO": "0.5", "ENABLED": "true",
						"LIST": `["a",1,null,{"k":"v"}]`, "PHASE": "<none>", "SEEN": "57m", "AGE": "57m"},
				},
				{
					key:  "/registry/cr.bar.com/foos/coverage/cbor-1",
					want: map[string]string{"COLOR": "green", "SIZE": "1", "RATIO": "1.5", "ENABLED": "false", "SEEN": "57m"},
				},
				{
					// JSON-encoded.
					key:  "/registry/cr.bar.com/foos/coverage/cr-1",
					want: map[string]string{"COLOR": "green", "SIZE": "1", "RATIO": "1.5", "ENABLED": "false"},
				},
				{
					// No spec at all (its color is at the top): every
					// column <none>.
					key:  "/registry/cr.bar.com/foos/coverage/cr1foo",
					want: map[string]string{"COLOR": "<none>", "SIZE": "<none>", "RATIO": "<none>", "ENABLED": "<none>", "PHASE": "<none>"},
				},
			} {
				row := tab.Row(fs.value(t, tc.key), now)
				// Two columns are named SIZE: the CRD's comes first.
				wantCells(t, tab, row, tc.want)
				if row[len(row)-2].key.n != int64(len(fs.value(t, tc.key).Raw)) {
					t.Errorf("%s: stored SIZE is not the byte count", tc.key)
				}
			}

			// Sorting by the CRD's integer column: 0, 1, 1, 2, 105, <none>.
			rows := [][]Cell{}
			for _, key := range fs.keys {
				if strings.HasPrefix(key, "/registry/cr.bar.com/foos/") {
					rows = append(rows, tab.Row(fs.value(t, key), now))
				}
			}
			sort.SliceStable(rows, func(i, j int) bool { return Compare(rows[i][3], rows[j][3]) < 0 })
			var sizes []string
			for _, r := range rows {
				sizes = append(sizes, r[3].Text)
			}
			if want := []string{"0", "1", "1", "2", "105", "<none>"}; !slices.Equal(sizes, want) {
				t.Errorf("sorted by SIZE: %v, want %v", sizes, want)
			}
		})
	}
}

// TestCRDColumnTypes: a value of the wrong type is <none>, an integer
// column truncates a decimal as the API server does, a date that does not
// parse is <invalid>, and a path that does not parse makes <invalid>
// cells rather than a failure.
func TestCRDColumnTypes(t *testing.T) {
	fs := fixtures(t)
	k := fooKind(t, `{"spec":{"additionalPrinterColumns":[
		{"name":"IntFromString","type":"integer","JSONPath":".spec.color"},
		{"name":"IntFromFloat","type":"integer","JSONPath":".spec.ratio"},
		{"name":"BoolFromNumber","type":"boolean","JSONPath":".spec.size"},
		{"name":"BadDate","type":"date","JSONPath":".spec.color"},
		{"name":"BadPath","type":"string","JSONPath":".spec[[["},
		{"name":"Big","type":"integer","JSONPath":".spec.big"},
		{"name":"Filter","type":"string","JSONPath":".spec.nested.list[3].k"}]}}`)
	tab := ForKind(k, false)
	v := fs.patched(t, "/registry/cr.bar.com/foos/coverage/cr-1", `{"spec":{"big":9007199254740993}}`)
	wantCells(t, tab, tab.Row(v, now), map[string]string{
		"INTFROMSTRING":  "<none>",
		"INTFROMFLOAT":   "1",
		"BOOLFROMNUMBER": "<none>",
		"BADDATE":        "<invalid>",
		"BADPATH":        "<invalid>",
		// Beyond 2^53: kept exact, not rounded through a float.
		"BIG":    "9007199254740993",
		"FILTER": "v",
	})
}

// TestCRDWithoutColumns: NAME and AGE (and SIZE), as kubectl shows
// custom resources of a CRD without printer columns, also when its only
// column is the creation time.
func TestCRDWithoutColumns(t *testing.T) {
	for _, patch := range []string{`{}`, `{"spec":{"additionalPrinterColumns":[{"name":"Age","type":"date","JSONPath":".metadata.creationTimestamp"}]}}`} {
		tab := ForKind(fooKind(t, patch), false)
		if got := headers(tab); !slices.Equal(got, []string{"NAME", "SIZE", "AGE"}) {
			t.Errorf("%s: columns %v", patch, got)
		}
	}
}

// TestCRDConcurrentRows: rows of one CRD table computed at once (the
// explorer decodes in several Cmds) agree, and a row does not change the
// next one; run with -race.
func TestCRDConcurrentRows(t *testing.T) {
	fs := fixtures(t)
	// A path that smuggles in a range rewrites a jsonpath.JSONPath's
	// parsed nodes when evaluated: the API server rejects such CRDs, but
	// stored data is not validated again.
	tab := ForKind(fooKind(t, `{"spec":{"additionalPrinterColumns":[
		{"name":"Color","type":"string","JSONPath":".spec.color"},
		{"name":"Items","type":"string","JSONPath":".spec.nested}{range .spec.nested.list[*]}{@}{end"}]}}`), false)
	v := fs.value(t, "/registry/cr.bar.com/foos/coverage/cr-0")
	want := tab.Row(v, now)
	done := make(chan []Cell)
	for range 8 {
		go func() {
			var last []Cell
			for range 50 {
				last = tab.Row(v, now)
			}
			done <- last
		}()
	}
	for range 8 {
		got := <-done
		for i := range want {
			if got[i].Text != want[i].Text {
				t.Fatalf("cell %d: %q, want %q", i, got[i].Text, want[i].Text)
			}
		}
	}
}
