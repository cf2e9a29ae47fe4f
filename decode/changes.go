package decode

import (
	"encoding/json"
	"strconv"
	"strings"
)

// FieldChange is one field that differs between two versions of an object.
type FieldChange struct {
	// Path is the field, as kubectl's jsonpath-free paths read:
	// "status.phase", "spec.containers[0].image", "metadata.labels.app".
	Path string
	// Old and New are the values when both are short scalars (a change
	// of a string, number or boolean); empty otherwise. Secret data is
	// never given.
	Old, New string
	// Added or Removed: the field exists on one side only.
	Added, Removed bool
}

// maxScalar is the longest value a change shows; longer ones are left
// out, as the line it goes on is short.
const maxScalar = 40

// ChangedFields lists the leaf fields that differ between two versions of
// an object, in document order, leaving out what changes on every write
// (metadata.resourceVersion, metadata.managedFields). A v1 Secret's data,
// stringData and last-applied-configuration show as paths without
// values. It returns nil when either is not an object.
func ChangedFields(before, after json.RawMessage) []FieldChange {
	a, err := parseJSON(before)
	if err != nil || a.kind != jsonObject {
		return nil
	}
	b, err := parseJSON(after)
	if err != nil || b.kind != jsonObject {
		return nil
	}
	c := changeWalker{secret: isV1Secret(a) || isV1Secret(b)}
	c.walk("", a, b)
	return c.out
}

type changeWalker struct {
	secret bool
	out    []FieldChange
}

// skipped says whether a path is one that changes on every write.
func skipped(path string) bool {
	return path == "metadata.resourceVersion" || path == "metadata.managedFields"
}

// hidden says whether the values at path are Secret material.
func (c *changeWalker) hidden(path string) bool {
	if !c.secret {
		return false
	}
	return strings.HasPrefix(path, "data.") || strings.HasPrefix(path, "stringData.") ||
		path == "metadata.annotations."+lastAppliedAnnotation
}

func (c *changeWalker) walk(path string, a, b *jsonNode) {
	if skipped(path) {
		return
	}
	switch {
	case a == nil && b == nil:
		return
	case a == nil && b.kind == jsonObject && len(b.members) > 0:
		for _, m := range b.members {
			c.walk(join(path, m.name), nil, m.value)
		}
		return
	case b == nil && a.kind == jsonObject && len(a.members) > 0:
		for _, m := range a.members {
			c.walk(join(path, m.name), m.value, nil)
		}
		return
	case a == nil:
		c.add(path, nil, b, true, false)
		return
	case b == nil:
		c.add(path, a, nil, false, true)
		return
	case a.kind == jsonObject && b.kind == jsonObject:
		for _, m := range a.members {
			c.walk(join(path, m.name), m.value, b.get(m.name))
		}
		for _, m := range b.members {
			if a.get(m.name) == nil {
				c.walk(join(path, m.name), nil, m.value)
			}
		}
		return
	case a.kind == jsonArray && b.kind == jsonArray:
		for i := range max(len(a.items), len(b.items)) {
			var x, y *jsonNode
			if i < len(a.items) {
				x = a.items[i]
			}
			if i < len(b.items) {
				y = b.items[i]
			}
			c.walk(path+"["+strconv.Itoa(i)+"]", x, y)
		}
		return
	}
	if sameScalar(a, b) {
		return
	}
	c.add(path, a, b, false, false)
}

func (c *changeWalker) add(path string, a, b *jsonNode, added, removed bool) {
	fc := FieldChange{Path: path, Added: added, Removed: removed}
	if !c.hidden(path) {
		fc.Old, fc.New = shortScalar(a), shortScalar(b)
		if (a != nil && fc.Old == "") || (b != nil && fc.New == "") {
			fc.Old, fc.New = "", "" // both or neither
		}
	}
	c.out = append(c.out, fc)
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func sameScalar(a, b *jsonNode) bool {
	return a.kind == b.kind && a.text == b.text && a.boolean == b.boolean &&
		len(a.members) == 0 && len(b.members) == 0 && len(a.items) == 0 && len(b.items) == 0
}

// shortScalar is a scalar as a change shows it; "" for anything else.
func shortScalar(n *jsonNode) string {
	if n == nil {
		return ""
	}
	var s string
	switch n.kind {
	case jsonString:
		s = n.text
	case jsonNumber:
		s = n.text
	case jsonBool:
		s = strconv.FormatBool(n.boolean)
	case jsonNull:
		s = "null"
	default:
		return ""
	}
	if len(s) > maxScalar || strings.ContainsAny(s, "\n\r") || s == "" {
		return ""
	}
	return s
}

// Summary says in one short line what changed: "status.phase Pending →
// Running, metadata.labels.app +2 more"; at most width bytes.
func Summary(changes []FieldChange, width int) string {
	var b strings.Builder
	for i, c := range changes {
		part := c.Path
		switch {
		case c.Added && c.New != "":
			part += " +" + c.New
		case c.Added:
			part += " added"
		case c.Removed:
			part += " removed"
		case c.Old != "" && c.New != "":
			part += " " + c.Old + " → " + c.New
		}
		sep := ""
		if i > 0 {
			sep = ", "
		}
		more := ""
		if rest := len(changes) - i - 1; rest > 0 {
			more = ", +" + strconv.Itoa(rest) + " more"
		}
		if b.Len()+len(sep)+len(part)+len(more) > width && i > 0 {
			b.WriteString(", +" + strconv.Itoa(len(changes)-i) + " more")
			break
		}
		b.WriteString(sep + part)
	}
	return b.String()
}
