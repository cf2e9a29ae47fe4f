package decode

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Kind is one resource the catalog knows.
type Kind struct {
	// Group is the API group, "" for core. Version is the version
	// kube-apiserver 1.37 stores by default; for a CRD, its storage
	// version.
	Group, Version, Kind string
	// Resource is the plural, lower case: "pods".
	Resource string
	// Singular is the singular resource name, lower case: "pod".
	Singular string
	// ShortNames are kubectl's short names: po, svc, deploy, crd.
	ShortNames []string
	// Namespaced is true for namespaced resources.
	Namespaced bool
	// Prefix is the storage prefix relative to the root, with no leading
	// or trailing slash: "pods", "services/specs", "minions",
	// "apiextensions.k8s.io/customresourcedefinitions", "cr.bar.com/foos".
	Prefix string
	// CRD is true for kinds read from a stored CustomResourceDefinition.
	CRD bool
	// PrinterColumns are a CRD's additionalPrinterColumns for its storage
	// version, in the CRD's order; nil for built-ins and for CRDs without
	// any (kubectl then prints NAME and AGE).
	PrinterColumns []PrinterColumn
}

// PrinterColumn is one of a CRD's additionalPrinterColumns, the columns
// kubectl prints for its custom resources.
type PrinterColumn struct {
	// Name is the column's header as the CRD spells it ("Ready").
	Name string `json:"name"`
	// Type is the OpenAPI type of its values: integer, number, string,
	// boolean or date.
	Type string `json:"type"`
	// Format is the optional OpenAPI format ("int32", "byte", "name"...).
	Format string `json:"format,omitempty"`
	// Description says what the column shows.
	Description string `json:"description,omitempty"`
	// Priority is 0 for the columns kubectl always prints and higher for
	// the ones only -o wide prints.
	Priority int32 `json:"priority,omitempty"`
	// JSONPath is the simple JSONPath, relative to the object, whose value
	// the column shows (".status.phase").
	JSONPath string `json:"jsonPath"`
}

// APIVersion returns the kind's group/version as objects spell it: "v1",
// "apps/v1".
func (k Kind) APIVersion() string {
	if k.Group == "" {
		return k.Version
	}
	return k.Group + "/" + k.Version
}

// GroupResource returns the resource qualified by its group as kubectl
// spells it: "deployments.apps", "pods".
func (k Kind) GroupResource() string {
	if k.Group == "" {
		return k.Resource
	}
	return k.Resource + "." + k.Group
}

// Catalog knows the built-in resources and the CRDs found in the data.
// Lookup is case-insensitive. A Catalog is safe for concurrent use: AddCRD
// takes a write lock, the other methods a read lock.
type Catalog struct {
	mu sync.RWMutex
	// kinds are the built-ins and CRDs, sorted by Prefix.
	kinds []Kind
	// byPrefix maps a storage prefix to its kind, lease prefixes included.
	byPrefix map[string]Kind
	// full maps qualified names (plural.group, kind.group,
	// kind.version.group, ...) to a prefix.
	full map[string]string
	// short maps unqualified names (kind, plural, singular, short names)
	// to the prefixes that answer to them.
	short map[string][]string
}

// NewCatalog returns a catalog of the built-in resources.
func NewCatalog() *Catalog {
	c := &Catalog{kinds: slices.Clone(catBuiltins)}
	slices.SortFunc(c.kinds, func(a, b Kind) int { return strings.Compare(a.Prefix, b.Prefix) })
	c.reindex()
	return c
}

// catCRD is the part of a stored CustomResourceDefinition (v1beta1 or v1
// JSON) the catalog reads. Decoding only these fields keeps a CRD with an
// unusual schema from failing the catalog.
type catCRD struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Group string `json:"group"`
		// Version is v1beta1's single-version field.
		Version string `json:"version"`
		Names   struct {
			Plural     string   `json:"plural"`
			Singular   string   `json:"singular"`
			Kind       string   `json:"kind"`
			ShortNames []string `json:"shortNames"`
		} `json:"names"`
		Scope    string `json:"scope"`
		Versions []struct {
			Name                     string          `json:"name"`
			Storage                  bool            `json:"storage"`
			AdditionalPrinterColumns []PrinterColumn `json:"additionalPrinterColumns"`
		} `json:"versions"`
		// AdditionalPrinterColumns is v1beta1's top-level list, for every
		// version. encoding/json matches keys case-insensitively, so
		// PrinterColumn.JSONPath reads both v1beta1's "JSONPath" and v1's
		// "jsonPath".
		AdditionalPrinterColumns []PrinterColumn `json:"additionalPrinterColumns"`
	} `json:"spec"`
}

// AddCRD adds the kind a stored CustomResourceDefinition (apiextensions
// v1beta1 or v1 JSON) defines: names from spec.names, group, scope,
// storage version and that version's printer columns (v1beta1's top-level
// spec.additionalPrinterColumns when the version has none). A CRD already known under the same plural.group is
// replaced, so re-adding an updated CRD is fine.
func (c *Catalog) AddCRD(obj json.RawMessage) error {
	var crd catCRD
	if err := json.Unmarshal(obj, &crd); err != nil {
		return fmt.Errorf("add crd: %w", err)
	}
	name := crd.Metadata.Name
	if crd.Kind != "CustomResourceDefinition" ||
		(crd.APIVersion != "apiextensions.k8s.io/v1" && crd.APIVersion != "apiextensions.k8s.io/v1beta1") {
		return fmt.Errorf("add crd %q: not a CustomResourceDefinition (apiVersion %q, kind %q)", name, crd.APIVersion, crd.Kind)
	}
	s := crd.Spec
	if s.Group == "" || s.Names.Plural == "" || s.Names.Kind == "" {
		return fmt.Errorf("add crd %q: spec.group, spec.names.plural and spec.names.kind are required", name)
	}
	var namespaced bool
	switch s.Scope {
	case "Namespaced", "":
		// v1beta1 defaults an empty scope to Namespaced.
		namespaced = true
	case "Cluster":
	default:
		return fmt.Errorf("add crd %q: unknown scope %q", name, s.Scope)
	}
	version := s.Version
	columns := s.AdditionalPrinterColumns
	for _, v := range s.Versions {
		if v.Storage {
			version = v.Name
			if len(v.AdditionalPrinterColumns) > 0 {
				columns = v.AdditionalPrinterColumns
			}
			break
		}
	}
	if version == "" {
		return fmt.Errorf("add crd %q: no storage version", name)
	}
	singular := s.Names.Singular
	if singular == "" {
		// The API server defaults the singular to the lower-case kind.
		singular = strings.ToLower(s.Names.Kind)
	}
	k := Kind{
		Group:      s.Group,
		Version:    version,
		Kind:       s.Names.Kind,
		Resource:   s.Names.Plural,
		Singular:   singular,
		ShortNames: slices.Clone(s.Names.ShortNames),
		Namespaced: namespaced,
		Prefix:     s.Group + "/" + s.Names.Plural,
		CRD:        true,
	}
	if len(columns) > 0 {
		k.PrinterColumns = slices.Clone(columns)
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	i, found := slices.BinarySearchFunc(c.kinds, k.Prefix, func(e Kind, p string) int { return strings.Compare(e.Prefix, p) })
	switch {
	case found && !c.kinds[i].CRD:
		return fmt.Errorf("add crd %q: %s is a built-in resource", name, k.GroupResource())
	case found:
		c.kinds[i] = k
	default:
		c.kinds = slices.Insert(c.kinds, i, k)
	}
	c.reindex()
	return nil
}

// reindex rebuilds the name and prefix indexes from c.kinds. Built-ins
// claim their unqualified names first; a CRD gets an unqualified name
// only when no built-in has it, so "pods" always means core pods and a
// CRD named pods is reached by its plural.group.
func (c *Catalog) reindex() {
	c.byPrefix = make(map[string]Kind, len(c.kinds)+len(catLeaseKinds))
	c.full = make(map[string]string, 4*len(c.kinds))
	c.short = make(map[string][]string, 4*len(c.kinds))
	for _, k := range catLeaseKinds {
		c.byPrefix[k.Prefix] = k
	}
	builtinShort := map[string]bool{}
	for _, crd := range []bool{false, true} {
		for _, k := range c.kinds {
			if k.CRD != crd {
				continue
			}
			c.byPrefix[k.Prefix] = k
			c.addFull(k.Prefix, k.Group, k.Version, k.Kind, k.Resource, k.Singular)
			for _, n := range catShortNames(k) {
				if crd && builtinShort[n] {
					continue
				}
				if !crd {
					builtinShort[n] = true
				}
				if !slices.Contains(c.short[n], k.Prefix) {
					c.short[n] = append(c.short[n], k.Prefix)
				}
			}
		}
	}
	for _, a := range catAltGroups {
		k := c.byPrefix[a.prefix]
		c.addFull(a.prefix, a.group, a.version, a.kind, a.resource, k.Singular)
	}
}

// addFull indexes the qualified names kubectl accepts for a resource.
// Core resources have no qualified form beyond their plain names.
func (c *Catalog) addFull(prefix, group, version, kind, resource, singular string) {
	if group == "" {
		return
	}
	for _, n := range []string{
		resource + "." + group,
		singular + "." + group,
		kind + "." + group,
		resource + "." + version + "." + group,
		kind + "." + version + "." + group,
	} {
		n = strings.ToLower(n)
		if _, taken := c.full[n]; !taken {
			c.full[n] = prefix
		}
	}
}

// catShortNames are a kind's unqualified names, lower case.
func catShortNames(k Kind) []string {
	names := []string{strings.ToLower(k.Kind), strings.ToLower(k.Resource), strings.ToLower(k.Singular)}
	for _, s := range k.ShortNames {
		names = append(names, strings.ToLower(s))
	}
	return names
}

// Lookup finds a kind by kind, plural, singular or short name, or by
// "plural.group", "kind.group", "kind.version.group" (and the singular
// and plural.version forms), case-insensitively. A name several kinds
// answer to is an error naming them.
func (c *Catalog) Lookup(query string) (Kind, error) {
	q := strings.ToLower(strings.TrimSpace(query))
	if q == "" {
		return Kind{}, fmt.Errorf("empty resource kind")
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if p, ok := c.full[q]; ok {
		return catCopy(c.byPrefix[p]), nil
	}
	switch ps := c.short[q]; len(ps) {
	case 0:
		return Kind{}, fmt.Errorf("unknown resource kind %q", query)
	case 1:
		return catCopy(c.byPrefix[ps[0]]), nil
	default:
		names := make([]string, len(ps))
		for i, p := range ps {
			names[i] = c.byPrefix[p].GroupResource()
		}
		sort.Strings(names)
		return Kind{}, fmt.Errorf("ambiguous resource kind %q: %s", query, strings.Join(names, ", "))
	}
}

// Kinds returns every kind the catalog can look up, sorted by Prefix.
// The API server's lease prefixes, which hold Endpoints, are left out;
// ForPrefix and ParseKey know them.
func (c *Catalog) Kinds() []Kind {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]Kind, len(c.kinds))
	for i, k := range c.kinds {
		out[i] = catCopy(k)
	}
	return out
}

// ForPrefix returns the kind stored under a storage prefix ("deployments",
// "services/specs", "cr.bar.com/foos"); leading and trailing slashes are
// ignored.
func (c *Catalog) ForPrefix(prefix string) (Kind, bool) {
	prefix = strings.Trim(prefix, "/")
	c.mu.RLock()
	defer c.mu.RUnlock()
	k, ok := c.byPrefix[prefix]
	return catCopy(k), ok
}

// ParseKey parses key under root ("" means DefaultRoot) as the package's
// ParseKey does, with the catalog's CRDs, and returns the kind stored
// there. ok is false when the key is outside root (and not special) or
// matches no kind; the KeyPath is still filled as far as the key parses.
//
// ParseKey runs once per key on scans of a whole keyspace, so it does not
// allocate: the Kind's ShortNames and PrinterColumns share the catalog's
// arrays (clipped, so appending is safe); do not modify their elements.
func (c *Catalog) ParseKey(key, root string) (KeyPath, Kind, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	kp, k, ok := kpParse(key, root, func(p string) (Kind, bool) {
		k, ok := c.byPrefix[p]
		return k, ok
	})
	k.ShortNames = slices.Clip(k.ShortNames)
	k.PrinterColumns = slices.Clip(k.PrinterColumns)
	return kp, k, ok
}

// catCopy returns k with its own ShortNames and PrinterColumns, so callers
// cannot change the catalog through the slices.
func catCopy(k Kind) Kind {
	k.ShortNames = slices.Clone(k.ShortNames)
	k.PrinterColumns = slices.Clone(k.PrinterColumns)
	return k
}
