package decode

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/dustin/go-humanize"
)

// Format is the form Present writes an object in. Values that are not
// objects take the form that fits them whatever the format (text, a field
// dump, a hex dump), except FormatHex, which always dumps the stored bytes.
type Format uint8

// The formats of a presented document.
const (
	FormatYAML Format = iota
	FormatJSON
	FormatHex
)

// String names the format.
func (f Format) String() string {
	switch f {
	case FormatYAML:
		return "yaml"
	case FormatJSON:
		return "json"
	case FormatHex:
		return "hex"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// SecretMode is how Present shows the data of a v1 Secret.
type SecretMode uint8

// The ways to show secret data.
const (
	// SecretsAsStored shows the Secret as stored, data in base64 (as
	// kubectl get -o yaml does).
	SecretsAsStored SecretMode = iota
	// SecretsMasked replaces every value of data and stringData, and the
	// last-applied-configuration annotation, with SecretMask.
	SecretsMasked
	// SecretsRevealed shows data values that decode from base64 to text
	// as text under stringData; binary values stay base64 under data. The
	// document is still a Secret kubectl accepts, with the same data.
	SecretsRevealed
)

// String names the mode.
func (m SecretMode) String() string {
	switch m {
	case SecretsAsStored:
		return "as stored"
	case SecretsMasked:
		return "masked"
	case SecretsRevealed:
		return "revealed"
	}
	return fmt.Sprintf("SecretMode(%d)", int(m))
}

// PresentOptions shape a presented document. The zero value is the object
// as stored, as YAML, with no tokens.
type PresentOptions struct {
	Format Format
	// FoldManagedFields leaves metadata.managedFields out; YAML says so
	// in a comment where they were.
	FoldManagedFields bool
	// Secrets is how a v1 Secret's data is shown.
	Secrets SecretMode
	// Export strips what a re-create must not carry, as Export does.
	Export bool
	// StripResourceVersion leaves metadata.resourceVersion out, for
	// diffing revisions: it changes with every one.
	StripResourceVersion bool
	// HexWidth is the bytes a line of a hex dump shows; 0 means 16.
	HexWidth int
	// Tokens asks for the document's tokens, for colouring it. Without
	// them writing costs nothing extra.
	Tokens bool
}

// Document is a value made ready for a person: the text that is shown,
// copied, saved, searched, diffed and printed, and what to know about it.
type Document struct {
	// Text is the document, ending with a newline.
	Text string
	// Tokens cut Text into coloured pieces when PresentOptions.Tokens is set.
	Tokens []Token
	// Structured says the value is an object: it has a YAML and a JSON form.
	Structured bool
	// ManagedFields is how many entries the object's managedFields holds,
	// shown or not; Folded says they were left out.
	ManagedFields int
	Folded        bool
	// Secret says the object holds secret data (a v1 Secret's data or
	// stringData, or its last-applied-configuration annotation); Masked
	// and Revealed say how it is shown now.
	Secret   bool
	Masked   bool
	Revealed bool
	// Note is what a person should know about the form shown: a type this
	// build does not know, a value still encrypted, a decode error, the
	// size of the stored bytes.
	Note string
}

// Present turns a decoded value into a document. Objects are written in
// the format asked for, with the options applied; text values are shown
// as they are, empty values as "(empty value)", an unknown type as its
// protobuf field dump in JSON, and binary, still-encrypted or undecodable
// values as a hex dump of the stored bytes. The YAML and JSON are the
// bytes YAML and IndentJSON write for the object as the options leave it.
func Present(v Value, o PresentOptions) Document {
	var d Document
	var spans *spanList
	if o.Tokens {
		// An object's YAML has about one token for every four bytes of
		// its compact JSON, its indented JSON one for every two.
		n := len(v.Object) / 4
		if o.Format == FormatJSON {
			n = len(v.Object) / 2
		}
		spans = &spanList{s: make([]span, 0, n+8)}
	}
	width := o.HexWidth
	if width <= 0 {
		width = 16
	}
	var out []byte
	switch {
	case o.Format == FormatHex:
		d.Structured = v.Object != nil
		d.Note = "stored bytes, " + humanize.IBytes(uint64(len(v.Raw)))
		out = hexBody(v.Raw, width, spans)
	case v.Object != nil:
		d.Structured = true
		var err error
		if out, err = presentObject(&d, v.Object, o, spans); err != nil {
			d.Note = "cannot render the object: " + err.Error()
			spans.reset(0)
			out = hexBody(v.Raw, width, spans)
		}
	case len(v.Fields) > 0:
		// Its metadata decoded, then each other field as raw protobuf,
		// labelled by the convention every Kubernetes type follows.
		d.Note = "type unknown to this build: metadata decoded, other fields raw"
		if v.PartialObject == nil {
			d.Note = "type unknown to this build: raw protobuf fields"
		}
		d.Structured = true
		var err error
		if out, err = presentObject(&d, v.UnknownTypeDocument(), o, spans); err != nil {
			d.Note = "cannot render the field dump: " + err.Error()
			spans.reset(0)
			out = hexBody(v.Raw, width, spans)
		}
	case v.Encoding == EncodingEmpty || len(v.Raw) == 0:
		out = hexBody(nil, width, spans)
	case v.Text != "":
		out = append([]byte(nil), v.Text...)
		if !strings.HasSuffix(v.Text, "\n") {
			out = append(out, '\n')
		}
	default:
		out = hexBody(v.Raw, width, spans)
		if e := v.Encryption; e != nil && !e.Decrypted {
			d.Note = "still encrypted"
			if e.Reason != "" {
				d.Note += ": " + e.Reason
			}
		}
	}
	if v.Err != nil && o.Format != FormatHex {
		d.Note = "decode error: " + v.Err.Error()
		if v.Object == nil {
			spans.reset(0)
			out = hexBody(v.Raw, width, spans)
		}
	}
	d.Text = string(out)
	d.Tokens = spans.tokens(d.Text)
	return d
}

// hexBody is a hex dump of b, or a note that there is nothing to dump.
func hexBody(b []byte, width int, spans *spanList) []byte {
	if len(b) == 0 {
		out := []byte("(empty value)\n")
		spans.add(TokenNote, 0, len(out)-1)
		return out
	}
	return appendHexDump(make([]byte, 0, len(b)/width*hexLineWidth(width)+hexLineWidth(width)), b, width)
}

// presentObject applies the options to an object and writes it.
func presentObject(d *Document, doc json.RawMessage, o PresentOptions, spans *spanList) ([]byte, error) {
	root, err := parseJSON(doc)
	if err != nil {
		return nil, err
	}
	if root.kind != jsonObject {
		return nil, fmt.Errorf("document is not an object")
	}
	edited := false
	md := root.get("metadata")
	if mf := md.get("managedFields"); mf != nil {
		d.ManagedFields = len(mf.items)
	}
	if o.Export {
		exportTree(root)
		edited = true
	}
	if o.StripResourceVersion && md.remove("resourceVersion") != nil {
		edited = true
	}
	var w yamlWriter
	if o.FoldManagedFields && !o.Export && md != nil {
		for i, m := range md.members {
			if m.name == "managedFields" {
				w.fold, w.foldAt, w.foldNote = md, i, foldNote(d.ManagedFields)
				md.remove("managedFields")
				d.Folded, edited = true, true
				break
			}
		}
	}
	if isV1Secret(root) {
		d.Secret = secretValues(root, false)
		switch {
		case !d.Secret:
		case o.Secrets == SecretsMasked:
			d.Masked = secretValues(root, true)
			edited = true
		case o.Secrets == SecretsRevealed:
			d.Revealed = true
			edited = revealSecret(root) || edited
		}
	}
	if o.Format == FormatJSON {
		if edited {
			doc = root.marshal()
		}
		// The stored literals, not the tree's, so the JSON is IndentJSON's.
		return indentJSON(make([]byte, 0, 3*len(doc)), doc, spans), nil
	}
	w.out, w.spans = make([]byte, 0, len(doc)+len(doc)/2), spans
	w.document(root)
	return w.out, nil
}

// foldNote is the comment that stands for folded managedFields.
func foldNote(n int) string {
	if n == 1 {
		return "managedFields: 1 entry folded"
	}
	return fmt.Sprintf("managedFields: %d entries folded", n)
}
