package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/etcdscope/etcdscope/decode"
)

// outputFormat is what -o asked for; "" is the readable default.
type outputFormat string

const (
	outputReadable outputFormat = ""
	outputYAML     outputFormat = "yaml"
	outputJSON     outputFormat = "json"
	outputRecords  outputFormat = "records"
	outputRaw      outputFormat = "raw"
	outputName     outputFormat = "name"
)

// parseOutput checks -o against the forms a verb offers.
func parseOutput(s string, allowed ...outputFormat) (outputFormat, error) {
	f := outputFormat(s)
	if f == outputReadable || slices.Contains(allowed, f) {
		return f, nil
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	return "", fmt.Errorf("unknown output format %q: use one of %s", s, strings.Join(names, ", "))
}

// writeJSONLine writes v as one compact JSON line.
func writeJSONLine(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}

// writeIndentedJSON writes v as kubectl does: four-space indent, one
// trailing newline. Raw messages keep their key order and number literals.
func writeIndentedJSON(w io.Writer, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	out, err := decode.IndentJSON(raw)
	if err != nil {
		return err
	}
	if _, err := w.Write(out); err != nil {
		return err
	}
	if !bytes.HasSuffix(out, []byte("\n")) {
		_, err = io.WriteString(w, "\n")
	}
	return err
}

// writeYAML writes a JSON document as YAML.
func writeYAML(w io.Writer, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	out, err := decode.YAML(raw)
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

// writeValue prints one decoded value in the form -o asked for. An object
// is its document as YAML or JSON (-o json escapes <, > and & in strings
// as kubectl's encoder does). Readable: the value's document (an object
// as YAML, text as it is, binary as a hex dump), or its record when the
// document would need a note to be read right (still encrypted,
// undecodable, a type this build does not know): the record says the
// same in fields. fold leaves managedFields out of the readable form, as
// kubectl get -o yaml does; the machine forms keep what is stored.
func writeValue(w io.Writer, v decode.Value, format outputFormat, fold bool) error {
	switch format {
	case outputRaw:
		_, err := w.Write(v.Raw)
		return err
	case outputRecords:
		return writeJSONLine(w, v.Record())
	case outputJSON:
		if !v.IsObject() {
			return writeIndentedJSON(w, v.Record())
		}
		doc := decode.Present(v, decode.PresentOptions{Format: decode.FormatJSON})
		var buf bytes.Buffer
		json.HTMLEscape(&buf, []byte(doc.Text))
		_, err := buf.WriteTo(w)
		return err
	case outputYAML:
		if !v.IsObject() {
			return writeYAML(w, v.Record())
		}
	}
	doc := decode.Present(v, decode.PresentOptions{FoldManagedFields: fold && format == outputReadable})
	if doc.Note != "" {
		return writeYAML(w, v.Record())
	}
	_, err := io.WriteString(w, doc.Text)
	return err
}

// listWriter streams values as one of the list forms of get --prefix and
// find: a List (JSON or YAML) of the objects, one record per line, or
// readable YAML documents (managedFields folded unless showManaged).
// Memory stays flat: each item is written as it comes.
type listWriter struct {
	w           *bufio.Writer
	format      outputFormat
	export      bool
	showManaged bool
	items       int
	skipped     int
	errors      int
}

func newListWriter(w io.Writer, format outputFormat, export bool) *listWriter {
	return &listWriter{w: bufio.NewWriterSize(w, 64<<10), format: format, export: export}
}

// add writes one value.
func (l *listWriter) add(v decode.Value) error {
	if v.Err != nil {
		l.errors++
	}
	if l.format == outputRecords {
		l.items++
		return writeJSONLine(l.w, v.Record())
	}
	if !v.IsObject() {
		l.skipped++
		return nil
	}
	opts := decode.PresentOptions{Export: l.export}
	switch l.format {
	case outputJSON:
		opts.Format = decode.FormatJSON
	case outputReadable:
		opts.FoldManagedFields = !l.showManaged
	}
	doc := decode.Present(v, opts)
	if doc.Note != "" {
		return fmt.Errorf("%s: %s", decode.EscapeKey(v.Key), doc.Note)
	}
	body := []byte(doc.Text)
	first := l.items == 0
	l.items++
	switch l.format {
	case outputJSON:
		if first {
			l.w.WriteString("{\n    \"apiVersion\": \"v1\",\n    \"kind\": \"List\",\n    \"items\": [\n")
		} else {
			l.w.WriteString(",\n")
		}
		l.w.Write(indentLines(bytes.TrimRight(body, "\n"), "        ", "        "))
	case outputYAML:
		if first {
			l.w.WriteString("apiVersion: v1\nkind: List\nitems:\n")
		}
		l.w.Write(indentLines(bytes.TrimRight(body, "\n"), "- ", "  "))
		l.w.WriteString("\n")
	default:
		if !first {
			l.w.WriteString("---\n")
		}
		fmt.Fprintf(l.w, "# %s\n", decode.EscapeKey(v.Key))
		l.w.Write(body)
	}
	return nil
}

// close ends the list and says on errOut what was left out.
func (l *listWriter) close(errOut io.Writer) error {
	switch l.format {
	case outputJSON:
		if l.items == 0 {
			l.w.WriteString("{\n    \"apiVersion\": \"v1\",\n    \"kind\": \"List\",\n    \"items\": []\n}\n")
		} else {
			l.w.WriteString("\n    ]\n}\n")
		}
	case outputYAML:
		if l.items == 0 {
			l.w.WriteString("apiVersion: v1\nkind: List\nitems: []\n")
		}
	}
	if err := l.w.Flush(); err != nil {
		return err
	}
	if l.skipped > 0 {
		fmt.Fprintf(errOut, "etcdscope: %d value(s) are not Kubernetes objects and were left out (-o records shows every key)\n", l.skipped)
	}
	if l.errors > 0 {
		fmt.Fprintf(errOut, "etcdscope: %d value(s) could not be decoded (-o records shows their errors)\n", l.errors)
	}
	return nil
}

// indentLines prefixes the first line of b with first and the others with rest.
func indentLines(b []byte, first, rest string) []byte {
	var out bytes.Buffer
	for i, line := range bytes.Split(b, []byte("\n")) {
		if i == 0 {
			out.WriteString(first)
		} else {
			out.WriteByte('\n')
			if len(line) > 0 {
				out.WriteString(rest)
			}
		}
		out.Write(line)
	}
	return out.Bytes()
}
