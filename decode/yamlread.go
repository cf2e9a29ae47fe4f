package decode

import (
	"bytes"
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

// This file reads values stored as YAML (some non-Kubernetes writers and
// old tools put YAML manifests in etcd) into the ordered JSON tree the
// decoder works on; render.go writes YAML.

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
