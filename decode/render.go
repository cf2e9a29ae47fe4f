package decode

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// YAML renders a JSON document as YAML the way kubectl shows it (two-space
// indent, sequences not indented under their key) while keeping member
// order and number literals exactly; strings that would read back as
// numbers, booleans or null are quoted.
func YAML(doc json.RawMessage) ([]byte, error) {
	root, err := parseJSON(doc)
	if err != nil {
		return nil, fmt.Errorf("render yaml: %w", err)
	}
	var buf bytes.Buffer
	buf.Grow(len(doc) + len(doc)/4)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	enc.CompactSeqIndent()
	if err := enc.Encode(toYAMLNode(root)); err != nil {
		return nil, fmt.Errorf("render yaml: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("render yaml: %w", err)
	}
	return buf.Bytes(), nil
}

// IndentJSON renders a JSON document with four-space indentation as
// kubectl -o json does, keeping member order and literals; it ends with a
// newline.
func IndentJSON(doc json.RawMessage) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.Indent(&buf, bytes.TrimSpace(doc), "", "    "); err != nil {
		return nil, fmt.Errorf("indent json: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// HexDump renders binary bytes as the classic offset / hex / ASCII dump
// (hexdump -C).
func HexDump(b []byte) string { return hex.Dump(b) }

// toYAMLNode converts an ordered JSON tree to a YAML node tree. Scalars
// carry the tag of their JSON type so the encoder quotes strings that
// would otherwise resolve to something else and writes numbers as their
// literal.
func toYAMLNode(n *jsonNode) *yaml.Node {
	switch n.kind {
	case jsonNull:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	case jsonBool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(n.boolean)}
	case jsonNumber:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: numberTag(n.text), Value: n.text}
	case jsonString:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: n.text}
	case jsonArray:
		y := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: make([]*yaml.Node, 0, len(n.items))}
		if len(n.items) == 0 {
			y.Style = yaml.FlowStyle // []
		}
		for _, it := range n.items {
			y.Content = append(y.Content, toYAMLNode(it))
		}
		return y
	default:
		y := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: make([]*yaml.Node, 0, 2*len(n.members))}
		if len(n.members) == 0 {
			y.Style = yaml.FlowStyle // {}
		}
		for _, m := range n.members {
			y.Content = append(y.Content,
				&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: m.name},
				toYAMLNode(m.value))
		}
		return y
	}
}

// numberTag is !!int for integer literals a YAML reader can hold in 64
// bits, !!float otherwise; the encoder drops the tag whenever the literal
// already reads back that way.
func numberTag(lit string) string {
	if strings.ContainsAny(lit, ".eE") {
		return "!!float"
	}
	if _, err := strconv.ParseInt(lit, 10, 64); err == nil {
		return "!!int"
	}
	if _, err := strconv.ParseUint(lit, 10, 64); err == nil {
		return "!!int"
	}
	return "!!float"
}

// maxYAMLNodes bounds the nodes one YAML value may expand to through
// aliases, so a small document cannot blow up.
const maxYAMLNodes = 1 << 20

// decodeYAML turns a printable value that is one YAML document mapping
// with apiVersion and kind into an object. It reports false for anything
// else, which then stays text.
func decodeYAML(v *Value, b []byte, rev int64) bool {
	if !bytes.Contains(b, []byte("apiVersion")) || !bytes.Contains(b, []byte("kind")) {
		return false
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		return false
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return false // several documents, or garbage after the first
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return false
	}
	budget := maxYAMLNodes
	root, err := fromYAMLNode(doc.Content[0], &budget, 0)
	if err != nil || root.kind != jsonObject {
		return false
	}
	if root.getString("apiVersion") == "" || root.getString("kind") == "" {
		return false
	}
	setObject(v, root, rev)
	return true
}

// jsonNumberLiteral matches the number grammar of RFC 8259.
var jsonNumberLiteral = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$`)

// fromYAMLNode converts a YAML node to an ordered JSON tree, keeping
// mapping order and number literals.
func fromYAMLNode(y *yaml.Node, budget *int, depth int) (*jsonNode, error) {
	*budget--
	if *budget < 0 {
		return nil, errors.New("yaml expands to too many nodes")
	}
	if depth > maxJSONDepth {
		return nil, fmt.Errorf("yaml nesting deeper than %d", maxJSONDepth)
	}
	switch y.Kind {
	case yaml.AliasNode:
		if y.Alias == nil {
			return nil, errors.New("yaml alias without a target")
		}
		return fromYAMLNode(y.Alias, budget, depth+1)
	case yaml.MappingNode:
		n := &jsonNode{kind: jsonObject, members: make([]jsonMember, 0, len(y.Content)/2)}
		for i := 0; i+1 < len(y.Content); i += 2 {
			k := y.Content[i]
			for k.Kind == yaml.AliasNode && k.Alias != nil {
				k = k.Alias
			}
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: mapping key is not a scalar", k.Line)
			}
			val, err := fromYAMLNode(y.Content[i+1], budget, depth+1)
			if err != nil {
				return nil, err
			}
			n.members = append(n.members, jsonMember{name: k.Value, value: val})
		}
		return n, nil
	case yaml.SequenceNode:
		n := &jsonNode{kind: jsonArray, items: make([]*jsonNode, 0, len(y.Content))}
		for _, c := range y.Content {
			val, err := fromYAMLNode(c, budget, depth+1)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, val)
		}
		return n, nil
	case yaml.ScalarNode:
		return yamlScalar(y)
	}
	return nil, fmt.Errorf("line %d: unexpected yaml node", y.Line)
}

func yamlScalar(y *yaml.Node) (*jsonNode, error) {
	switch y.ShortTag() {
	case "!!null":
		return &jsonNode{kind: jsonNull}, nil
	case "!!bool":
		var b bool
		if err := y.Decode(&b); err != nil {
			return nil, err
		}
		return &jsonNode{kind: jsonBool, boolean: b}, nil
	case "!!int":
		lit := strings.TrimPrefix(y.Value, "+")
		if jsonNumberLiteral.MatchString(lit) {
			return &jsonNode{kind: jsonNumber, text: lit}, nil
		}
		// 0x1f, 0o17, 1_000: the same integer in decimal.
		i, ok := new(big.Int).SetString(strings.ReplaceAll(y.Value, "_", ""), 0)
		if !ok {
			return nil, fmt.Errorf("line %d: integer %q", y.Line, y.Value)
		}
		return &jsonNode{kind: jsonNumber, text: i.String()}, nil
	case "!!float":
		lit := strings.TrimPrefix(y.Value, "+")
		if jsonNumberLiteral.MatchString(lit) {
			return &jsonNode{kind: jsonNumber, text: lit}, nil
		}
		f, err := strconv.ParseFloat(strings.ReplaceAll(y.Value, "_", ""), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			// .inf and .nan have no JSON number; keep their spelling.
			return &jsonNode{kind: jsonString, text: y.Value}, nil
		}
		return &jsonNode{kind: jsonNumber, text: strconv.FormatFloat(f, 'g', -1, 64)}, nil
	default: // !!str, !!timestamp, !!binary and custom tags keep their text
		return &jsonNode{kind: jsonString, text: y.Value}, nil
	}
}
