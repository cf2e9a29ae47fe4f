package demo

import (
	"context"
	"fmt"
	"time"

	apiextensionsv1beta1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
	"k8s.io/utils/ptr"
)

// crd describes one of the demo's CustomResourceDefinitions.
type crd struct {
	group, plural, singular, kind string
	shortNames                    []string
	scope                         apiextensionsv1beta1.ResourceScope
	spec                          map[string]apiextensionsv1beta1.JSONSchemaProps
	columns                       []apiextensionsv1beta1.CustomResourceColumnDefinition
}

func (c crd) name() string       { return c.plural + "." + c.group }
func (c crd) apiVersion() string { return c.group + "/v1" }
func (c crd) resource() schema.GroupResource {
	return schema.GroupResource{Group: c.group, Resource: c.plural}
}
func (c crd) namespaced() bool { return c.scope == apiextensionsv1beta1.NamespaceScoped }
func (b *builder) crKey(c crd, ns, name string) string {
	if c.namespaced() {
		return b.key(c.group, c.plural, ns, name)
	}
	return b.key(c.group, c.plural, name)
}

var (
	str   = apiextensionsv1beta1.JSONSchemaProps{Type: "string"}
	integ = apiextensionsv1beta1.JSONSchemaProps{Type: "integer", Format: "int64"}

	crdDatabases = crd{
		group: "db.example.com", plural: "databases", singular: "database", kind: "Database", shortNames: []string{"db"},
		scope: apiextensionsv1beta1.NamespaceScoped,
		spec: map[string]apiextensionsv1beta1.JSONSchemaProps{
			"engine":  {Type: "string", Enum: []apiextensionsv1beta1.JSON{{Raw: []byte(`"postgres"`)}, {Raw: []byte(`"mysql"`)}}},
			"version": str, "instances": {Type: "integer", Minimum: ptr.To(1.0)},
			"parameters": {Type: "object", XPreserveUnknownFields: ptr.To(true)},
		},
		columns: []apiextensionsv1beta1.CustomResourceColumnDefinition{
			{Name: "Engine", Type: "string", JSONPath: ".spec.engine"},
			{Name: "Phase", Type: "string", JSONPath: ".status.phase"},
			{Name: "Age", Type: "date", JSONPath: ".metadata.creationTimestamp"},
		},
	}
	crdBackups = crd{
		group: "db.example.com", plural: "backups", singular: "backup", kind: "Backup",
		scope: apiextensionsv1beta1.NamespaceScoped,
		spec: map[string]apiextensionsv1beta1.JSONSchemaProps{
			"databaseRef": {Type: "object", Properties: map[string]apiextensionsv1beta1.JSONSchemaProps{"name": str}},
			"method":      str,
		},
		columns: []apiextensionsv1beta1.CustomResourceColumnDefinition{
			{Name: "Database", Type: "string", JSONPath: ".spec.databaseRef.name"},
			{Name: "Size", Type: "integer", JSONPath: ".status.sizeBytes"},
			{Name: "Phase", Type: "string", JSONPath: ".status.phase"},
		},
	}
	crdPolicies = crd{
		group: "policy.example.com", plural: "clusterpolicies", singular: "clusterpolicy", kind: "ClusterPolicy", shortNames: []string{"cpol"},
		scope: apiextensionsv1beta1.ClusterScoped,
		spec: map[string]apiextensionsv1beta1.JSONSchemaProps{
			"validationFailureAction": str, "background": {Type: "boolean"},
			"rules":         {Type: "array", Items: &apiextensionsv1beta1.JSONSchemaPropsOrArray{Schema: &apiextensionsv1beta1.JSONSchemaProps{Type: "object", XPreserveUnknownFields: ptr.To(true)}}},
			"maxViolations": integ,
		},
	}
	demoCRDs = []crd{crdDatabases, crdBackups, crdPolicies}
)

// customResourceDefinitions writes the CRDs the way kube-apiserver 1.37
// still stores them: apiextensions.k8s.io/v1beta1 JSON, the one version's
// schema, columns and subresources hoisted to the spec.
func (b *builder) customResourceDefinitions(ctx context.Context) error {
	for _, c := range demoCRDs {
		created := b.tick(10e9)
		names := apiextensionsv1beta1.CustomResourceDefinitionNames{Plural: c.plural, Singular: c.singular, ShortNames: c.shortNames, Kind: c.kind, ListKind: c.kind + "List"}
		obj := &apiextensionsv1beta1.CustomResourceDefinition{ObjectMeta: b.meta("", c.name(), created)}
		obj.Generation = 1
		obj.Spec = apiextensionsv1beta1.CustomResourceDefinitionSpec{
			Group: c.group, Version: "v1", Names: names, Scope: c.scope,
			Validation: &apiextensionsv1beta1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1beta1.JSONSchemaProps{
				Type: "object",
				Properties: map[string]apiextensionsv1beta1.JSONSchemaProps{
					"apiVersion": str, "kind": str, "metadata": {Type: "object"},
					"spec":   {Type: "object", Properties: c.spec},
					"status": {Type: "object", XPreserveUnknownFields: ptr.To(true)},
				},
			}},
			Subresources:             &apiextensionsv1beta1.CustomResourceSubresources{Status: &apiextensionsv1beta1.CustomResourceSubresourceStatus{}},
			Versions:                 []apiextensionsv1beta1.CustomResourceDefinitionVersion{{Name: "v1", Served: true, Storage: true}},
			AdditionalPrinterColumns: c.columns,
			Conversion:               &apiextensionsv1beta1.CustomResourceConversion{Strategy: apiextensionsv1beta1.NoneConverter},
			PreserveUnknownFields:    ptr.To(false),
		}
		obj.Status = apiextensionsv1beta1.CustomResourceDefinitionStatus{
			Conditions: []apiextensionsv1beta1.CustomResourceDefinitionCondition{
				{Type: apiextensionsv1beta1.NamesAccepted, Status: apiextensionsv1beta1.ConditionTrue, LastTransitionTime: created, Reason: "NoConflicts", Message: "no conflicts found"},
				{Type: apiextensionsv1beta1.Established, Status: apiextensionsv1beta1.ConditionTrue, LastTransitionTime: created, Reason: "InitialNamesAccepted", Message: "the initial names have been accepted"},
			},
			AcceptedNames:  names,
			StoredVersions: []string{"v1"},
		}
		obj.ManagedFields = []metav1.ManagedFieldsEntry{
			managed("helm", metav1.ManagedFieldsOperationUpdate, "apiextensions.k8s.io/v1", created,
				`{"f:spec":{"f:conversion":{".":{},"f:strategy":{}},"f:group":{},"f:names":{"f:kind":{},"f:listKind":{},"f:plural":{},"f:shortNames":{},"f:singular":{}},"f:scope":{},"f:versions":{}}}`, ""),
			managed("kube-apiserver", metav1.ManagedFieldsOperationUpdate, "apiextensions.k8s.io/v1", created,
				`{"f:status":{"f:acceptedNames":{"f:kind":{},"f:listKind":{},"f:plural":{},"f:shortNames":{},"f:singular":{}},"f:conditions":{"k:{\"type\":\"Established\"}":{".":{},"f:lastTransitionTime":{},"f:message":{},"f:reason":{},"f:status":{},"f:type":{}},"k:{\"type\":\"NamesAccepted\"}":{".":{},"f:lastTransitionTime":{},"f:message":{},"f:reason":{},"f:status":{},"f:type":{}}}}}`, "status"),
		}
		if err := b.putJSON(ctx, grCRDs, b.key("apiextensions.k8s.io", "customresourcedefinitions", c.name()), obj); err != nil {
			return err
		}
	}
	return nil
}

// apiServices writes the APIServices kube-aggregator keeps, as JSON: local
// ones for built-in and CRD groups, and one backed by a metrics-server
// that is not there.
func (b *builder) apiServices(ctx context.Context) error {
	created := metav1.NewTime(b.base.Add(30e9))
	local := []apiregistrationv1.APIServiceCondition{{Type: apiregistrationv1.Available, Status: apiregistrationv1.ConditionTrue, LastTransitionTime: created, Reason: "Local", Message: "Local APIServices are always available"}}
	services := []struct {
		group, version string
		groupPrio      int32
		versionPrio    int32
		automanaged    string
		service        *apiregistrationv1.ServiceReference
		conditions     []apiregistrationv1.APIServiceCondition
	}{
		{"", "v1", 18000, 1, "onstart", nil, local},
		{"apps", "v1", 17800, 15, "onstart", nil, local},
		{"coordination.k8s.io", "v1", 16500, 15, "onstart", nil, local},
		{"db.example.com", "v1", 1000, 100, "true", nil, local},
		{"policy.example.com", "v1", 1000, 100, "true", nil, local},
		{"metrics.k8s.io", "v1beta1", 100, 100, "", &apiregistrationv1.ServiceReference{Namespace: "kube-system", Name: "metrics-server", Port: ptr.To[int32](443)},
			[]apiregistrationv1.APIServiceCondition{{Type: apiregistrationv1.Available, Status: apiregistrationv1.ConditionFalse, LastTransitionTime: created, Reason: "ServiceNotFound", Message: `service/metrics-server in "kube-system" is not present`}}},
	}
	for _, s := range services {
		name := s.version + "." + s.group
		obj := &apiregistrationv1.APIService{ObjectMeta: b.meta("", name, created)}
		if s.automanaged != "" {
			obj.Labels = map[string]string{"kube-aggregator.kubernetes.io/automanaged": s.automanaged}
		}
		obj.Spec = apiregistrationv1.APIServiceSpec{Service: s.service, Group: s.group, Version: s.version, GroupPriorityMinimum: s.groupPrio, VersionPriority: s.versionPrio}
		obj.Spec.InsecureSkipTLSVerify = s.service != nil
		obj.Status.Conditions = s.conditions
		manager := "kube-apiserver"
		if s.service != nil {
			manager = "helm"
		}
		obj.ManagedFields = []metav1.ManagedFieldsEntry{managed(manager, metav1.ManagedFieldsOperationUpdate, "apiregistration.k8s.io/v1", created,
			`{"f:spec":{"f:group":{},"f:groupPriorityMinimum":{},"f:version":{},"f:versionPriority":{}}}`, "")}
		if err := b.putJSON(ctx, grAPIServices, b.key("apiregistration.k8s.io", "apiservices", name), obj); err != nil {
			return err
		}
	}
	return nil
}

// customObject assembles a custom resource: typed metadata converted to
// its unstructured form, then spec and status.
func customObject(c crd, meta metav1.ObjectMeta, spec, status map[string]any) (*unstructured.Unstructured, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&meta)
	if err != nil {
		return nil, fmt.Errorf("metadata of %s %q: %w", c.kind, meta.Name, err)
	}
	u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": c.apiVersion(), "kind": c.kind, "metadata": m, "spec": spec}}
	if status != nil {
		u.Object["status"] = status
	}
	return u, nil
}

// databases writes the namespace's Database custom resources, stored as
// JSON (written before the API server stored CBOR), and their Backups,
// stored as CBOR and owned by their Database.
func (b *builder) databases(ctx context.Context, ns string, apps []*app) error {
	n := (1 + b.rng.IntN(2)) * b.opts.Scale
	for i := range min(n, len(apps)) {
		a := apps[i]
		created := b.tick(60e9)
		meta := b.meta(ns, a.name+"-db", created)
		meta.Generation = int64(1 + b.rng.IntN(4))
		meta.Labels = map[string]string{"app": a.name, "team": ns}
		meta.Finalizers = []string{"db.example.com/protect"}
		meta.ManagedFields = []metav1.ManagedFieldsEntry{
			managed("kubectl-client-side-apply", metav1.ManagedFieldsOperationUpdate, "db.example.com/v1", created,
				`{"f:metadata":{"f:labels":{".":{},"f:app":{},"f:team":{}}},"f:spec":{".":{},"f:engine":{},"f:instances":{},"f:parameters":{},"f:version":{}}}`, ""),
			managed("db-operator", metav1.ManagedFieldsOperationUpdate, "db.example.com/v1", created,
				`{"f:metadata":{"f:finalizers":{".":{},"v:\"db.example.com/protect\"":{}}},"f:status":{".":{},"f:conditions":{},"f:phase":{},"f:primary":{},"f:readyInstances":{}}}`, "status"),
		}
		engine := pick(b.rng, []string{"postgres", "postgres", "mysql"})
		instances := int64(1 + 2*b.rng.IntN(2))
		spec := map[string]any{
			"engine": engine, "version": map[string]string{"postgres": "17.6", "mysql": "8.4.6"}[engine],
			"instances": instances,
			"storage":   map[string]any{"size": fmt.Sprintf("%dGi", 10*(1+b.rng.IntN(20))), "storageClassName": "fast-ssd"},
			"backup":    map[string]any{"schedule": "0 3 * * *", "retentionDays": int64(14)},
			"parameters": map[string]any{
				"max_connections": int64(100 * (1 + b.rng.IntN(5))),
				"shared_buffers":  "2GB",
				// Beyond 2^53: shows whether a reader keeps integers exact.
				"wal_segment_size_bytes": int64(9007199254740993),
				"random_page_cost":       1.1,
			},
		}
		status := map[string]any{
			"phase": "Ready", "readyInstances": instances, "primary": a.name + "-db-0",
			"conditions": []any{map[string]any{"type": "Ready", "status": "True", "reason": "AllInstancesReady", "lastTransitionTime": created.Add(90e9).UTC().Format(time.RFC3339)}},
		}
		db, err := customObject(crdDatabases, meta, spec, status)
		if err != nil {
			return err
		}
		if err := b.putCustom(ctx, crdDatabases.resource(), b.crKey(crdDatabases, ns, meta.Name), db, false); err != nil {
			return err
		}
		if err := b.backups(ctx, ns, meta.Name, meta.UID); err != nil {
			return err
		}
	}
	return nil
}

// backups writes the nightly Backups of one database of the month before
// b.seedNow.
func (b *builder) backups(ctx context.Context, ns, db string, dbUID types.UID) error {
	day := time.Date(b.seedNow.Year(), b.seedNow.Month(), b.seedNow.Day(), 3, 0, 0, 0, time.UTC)
	for d := 30; d >= 1; d-- {
		at := day.AddDate(0, 0, -d)
		started := metav1.NewTime(at)
		name := fmt.Sprintf("%s-%s", db, at.Format("20060102-1504"))
		meta := b.meta(ns, name, started)
		meta.Generation = 1
		meta.Labels = map[string]string{"db.example.com/database": db}
		meta.OwnerReferences = []metav1.OwnerReference{{APIVersion: crdDatabases.apiVersion(), Kind: crdDatabases.kind, Name: db, UID: dbUID, Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}}
		meta.ManagedFields = []metav1.ManagedFieldsEntry{managed("db-operator", metav1.ManagedFieldsOperationUpdate, "db.example.com/v1", started,
			`{"f:metadata":{"f:labels":{".":{},"f:db.example.com/database":{}},"f:ownerReferences":{}},"f:spec":{".":{},"f:databaseRef":{},"f:method":{}},"f:status":{}}`, "")}
		spec := map[string]any{"databaseRef": map[string]any{"name": db}, "method": "volumeSnapshot"}
		done := at.Add(time.Duration(60+b.rng.IntN(900)) * time.Second)
		status := map[string]any{
			"phase": "Completed", "startedAt": at.Format(time.RFC3339), "completedAt": done.Format(time.RFC3339),
			"sizeBytes": int64(1<<30) + b.rng.Int64N(40<<30), "compressionRatio": 0.25 + float64(b.rng.IntN(50))/100,
			"checksum": "sha256:" + hex64(b.rng),
		}
		if b.rng.IntN(20) == 0 {
			status = map[string]any{"phase": "Failed", "startedAt": at.Format(time.RFC3339), "reason": "SnapshotTimeout", "message": "volume snapshot was not ready within 10m0s"}
		}
		u, err := customObject(crdBackups, meta, spec, status)
		if err != nil {
			return err
		}
		if err := b.putCustom(ctx, crdBackups.resource(), b.crKey(crdBackups, ns, name), u, true); err != nil {
			return err
		}
	}
	return nil
}

// policyNames name the cluster-scoped ClusterPolicies.
var policyNames = []string{"require-labels", "disallow-privileged", "restrict-registries", "require-probes", "block-latest-tag", "require-requests", "deny-hostpath", "require-network-policy", "pin-image-digests", "restrict-nodeport"}

// clusterPolicies writes the cluster-scoped custom resources: the first
// half as JSON, written before the API server's switch to CBOR, the rest
// as CBOR.
func (b *builder) clusterPolicies(ctx context.Context) error {
	total := len(policyNames) * b.opts.Scale
	for i := range total {
		name := policyNames[i%len(policyNames)]
		if i >= len(policyNames) {
			name = fmt.Sprintf("%s-%d", name, i/len(policyNames)+1)
		}
		created := b.tick(600e9)
		meta := b.meta("", name, created)
		meta.Generation = 1
		meta.Annotations = map[string]string{"policies.example.com/severity": pick(b.rng, []string{"low", "medium", "high"})}
		meta.ManagedFields = []metav1.ManagedFieldsEntry{managed("argocd-controller", metav1.ManagedFieldsOperationApply, "policy.example.com/v1", created,
			`{"f:metadata":{"f:annotations":{"f:policies.example.com/severity":{}}},"f:spec":{"f:background":{},"f:rules":{},"f:validationFailureAction":{}}}`, "")}
		spec := map[string]any{
			"validationFailureAction": pick(b.rng, []string{"Audit", "Enforce"}),
			"background":              b.rng.IntN(2) == 0,
			"maxViolations":           int64(b.rng.IntN(100)),
			"rules": []any{map[string]any{
				"name":     name,
				"match":    map[string]any{"any": []any{map[string]any{"resources": map[string]any{"kinds": []any{"Pod", "Deployment"}}}}},
				"validate": map[string]any{"message": "policy " + name + " is not met"},
			}},
		}
		status := map[string]any{"ready": true, "violations": int64(b.rng.IntN(12))}
		u, err := customObject(crdPolicies, meta, spec, status)
		if err != nil {
			return err
		}
		if err := b.putCustom(ctx, crdPolicies.resource(), b.crKey(crdPolicies, "", name), u, i >= total/2); err != nil {
			return err
		}
	}
	return nil
}
