package decode

import (
	"reflect"
	"testing"
)

// TestCRDPrinterColumns: the catalog keeps the storage version's printer
// columns, from either stored CRD shape.
func TestCRDPrinterColumns(t *testing.T) {
	phase := PrinterColumn{Name: "Phase", Type: "string", JSONPath: ".status.phase"}
	ready := PrinterColumn{Name: "Ready", Type: "integer", Format: "int32", Description: "ready pods", Priority: 1, JSONPath: ".status.ready"}
	for _, tc := range []struct {
		name string
		crd  string
		want []PrinterColumn
	}{
		{
			// v1beta1: spec.additionalPrinterColumns[].JSONPath, for every
			// version.
			name: "v1beta1 top level",
			crd: `{"apiVersion":"apiextensions.k8s.io/v1beta1","kind":"CustomResourceDefinition","metadata":{"name":"ws.x.io"},
				"spec":{"group":"x.io","version":"v1","names":{"plural":"ws","kind":"W"},"scope":"Namespaced",
				"versions":[{"name":"v1","served":true,"storage":true}],
				"additionalPrinterColumns":[
					{"name":"Phase","type":"string","JSONPath":".status.phase"},
					{"name":"Ready","type":"integer","format":"int32","description":"ready pods","priority":1,"JSONPath":".status.ready"}]}}`,
			want: []PrinterColumn{phase, ready},
		},
		{
			// v1beta1 may also keep them per version.
			name: "v1beta1 per version",
			crd: `{"apiVersion":"apiextensions.k8s.io/v1beta1","kind":"CustomResourceDefinition","metadata":{"name":"ws.x.io"},
				"spec":{"group":"x.io","names":{"plural":"ws","kind":"W"},
				"versions":[{"name":"v1","served":true,"storage":false,"additionalPrinterColumns":[{"name":"Phase","type":"string","JSONPath":".status.phase"}]},
					{"name":"v2","served":true,"storage":true,"additionalPrinterColumns":[{"name":"Ready","type":"integer","format":"int32","description":"ready pods","priority":1,"JSONPath":".status.ready"}]}]}}`,
			want: []PrinterColumn{ready},
		},
		{
			// v1: spec.versions[].additionalPrinterColumns[].jsonPath; the
			// storage version's, not the first's.
			name: "v1 storage version",
			crd: `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"ws.x.io"},
				"spec":{"group":"x.io","names":{"plural":"ws","kind":"W"},"scope":"Cluster",
				"versions":[{"name":"v1","served":true,"storage":false,"additionalPrinterColumns":[{"name":"Ready","type":"integer","jsonPath":".status.ready"}]},
					{"name":"v2","served":true,"storage":true,"additionalPrinterColumns":[{"name":"Phase","type":"string","jsonPath":".status.phase"}]}]}}`,
			want: []PrinterColumn{phase},
		},
		{
			name: "none",
			crd: `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"ws.x.io"},
				"spec":{"group":"x.io","names":{"plural":"ws","kind":"W"},"scope":"Cluster","versions":[{"name":"v1","served":true,"storage":true}]}}`,
			want: nil,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCatalog()
			if err := c.AddCRD([]byte(tc.crd)); err != nil {
				t.Fatal(err)
			}
			k, err := c.Lookup("ws.x.io")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(k.PrinterColumns, tc.want) {
				t.Errorf("PrinterColumns %+v, want %+v", k.PrinterColumns, tc.want)
			}
			_, pk, ok := c.ParseKey("/registry/x.io/ws/a", "")
			if !ok || !reflect.DeepEqual(pk.PrinterColumns, tc.want) {
				t.Errorf("ParseKey: %v %+v", ok, pk.PrinterColumns)
			}
			// Callers get copies.
			if len(k.PrinterColumns) > 0 {
				k.PrinterColumns[0].Name = "changed"
				again, _ := c.Lookup("ws.x.io")
				if again.PrinterColumns[0].Name == "changed" {
					t.Error("Lookup shares the catalog's printer columns")
				}
			}
		})
	}
	for _, k := range NewCatalog().Kinds() {
		if k.PrinterColumns != nil {
			t.Errorf("built-in %s has printer columns", k.Resource)
		}
	}
}
