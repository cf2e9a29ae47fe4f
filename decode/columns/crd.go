package columns

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/jsonpath"

	"github.com/etcdscope/etcdscope/decode"
)

// crdColumn is one additionalPrinterColumn.
type crdColumn struct {
	def decode.PrinterColumn
	// template is the JSONPath as a jsonpath template ("{.status.phase}").
	template string
	// valid is false when it does not parse (the API server rejects
	// such CRDs; stored data may still hold one): its cells read
	// <invalid>.
	valid bool
}

// crdPrinter evaluates a CRD's printer columns.
type crdPrinter struct {
	cols []crdColumn
}

// crdTable returns the columns and row function for a CRD's printer
// columns, as the API server's table for custom resources has them: each
// column's JSONPath evaluated on the object, typed by the column's type.
// A date column on .metadata.creationTimestamp (v1beta1 CRDs defaulted
// one, named Age) is the table's own AGE and is left out.
func crdTable(defs []decode.PrinterColumn) ([]Column, rowFunc) {
	p := &crdPrinter{}
	var cols []Column
	for _, def := range defs {
		if def.Type == "date" && strings.TrimSpace(def.JSONPath) == ".metadata.creationTimestamp" {
			continue
		}
		c := crdColumn{def: def, template: "{" + def.JSONPath + "}"}
		c.valid = jsonpath.New(def.Name).Parse(c.template) == nil
		p.cols = append(p.cols, c)
		cols = append(cols, crdHeader(def))
	}
	if len(p.cols) == 0 {
		return nil, metaRow
	}
	return cols, p.row
}

// crdHeader is the Column of a printer column: the name upper case, as
// kubectl prints headers; priority > 0 marks kubectl's wide columns.
func crdHeader(def decode.PrinterColumn) Column {
	c := Column{Name: strings.ToUpper(def.Name), Priority: importantPriority}
	switch def.Type {
	case "integer":
		c.Type, c.Width = Integer, 8
	case "number":
		c.Type, c.Width = Number, 8
	case "boolean":
		c.Type, c.Width = Boolean, 6
	case "date":
		c.Type, c.Width = Age, 6
	default:
		c.Type, c.Width = Text, 20
	}
	if def.Priority > 0 {
		c.Priority, c.Wide = widePriority+int(def.Priority)-1, true
	}
	return c
}

// row evaluates every column on the object.
func (p *crdPrinter) row(v decode.Value, now time.Time, out []Cell) (time.Time, error) {
	dec := json.NewDecoder(bytes.NewReader(v.Object))
	// Numbers stay exact (json.Number), as the API server's unstructured
	// objects keep integers as int64.
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return time.Time{}, err
	}
	created := time.Time{}
	if m, ok := obj["metadata"].(map[string]any); ok {
		if s, ok := m["creationTimestamp"].(string); ok {
			var t metav1.Time
			if t.UnmarshalQueryParameter(s) == nil {
				created = t.Time
			}
		}
	}
	var buf bytes.Buffer
	for i, c := range p.cols {
		out[i] = c.cell(obj, now, &buf)
	}
	return created, nil
}

// cell evaluates one column: the first value its path finds, shown by the
// column's type; a value missing, or not of that type, is <none>. The
// path is parsed for each cell: a jsonpath.JSONPath keeps state between
// evaluations (a range rewrites its parsed nodes), so sharing one would
// make rows depend on each other and race; parsing a simple path costs
// about a microsecond.
func (c crdColumn) cell(obj map[string]any, now time.Time, buf *bytes.Buffer) Cell {
	if !c.valid {
		return missingCell("<invalid>")
	}
	path := jsonpath.New(c.def.Name).AllowMissingKeys(true)
	if path.Parse(c.template) != nil {
		return missingCell("<invalid>")
	}
	results, err := path.FindResults(obj)
	if err != nil || len(results) == 0 || len(results[0]) == 0 {
		return missingCell("<none>")
	}
	value := results[0][0].Interface()
	if value == nil {
		return missingCell("<none>")
	}
	switch c.def.Type {
	case "integer":
		switch n := value.(type) {
		case json.Number:
			if i, err := n.Int64(); err == nil {
				return intCell(i)
			}
			// The API server truncates a float to an integer column.
			if f, err := n.Float64(); err == nil {
				return intCell(int64(f))
			}
		}
	case "number":
		if n, ok := value.(json.Number); ok {
			if f, err := n.Float64(); err == nil {
				return floatCell(f)
			}
		}
	case "boolean":
		if b, ok := value.(bool); ok {
			return boolCell(b, strconv.FormatBool(b))
		}
	case "date":
		s, ok := value.(string)
		if !ok {
			break
		}
		var t metav1.Time
		if t.UnmarshalQueryParameter(s) != nil {
			return missingCell("<invalid>")
		}
		return ageCell(t.Time, now)
	default:
		// A string column prints whatever it finds as jsonpath does:
		// scalars as text, maps and lists as JSON.
		buf.Reset()
		if path.PrintResults(buf, []reflect.Value{reflect.ValueOf(value)}) == nil {
			return textCell(buf.String())
		}
	}
	return missingCell("<none>")
}
