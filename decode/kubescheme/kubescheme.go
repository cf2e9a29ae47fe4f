// Package kubescheme knows the Go types of the objects kube-apiserver
// stores: every built-in group of k8s.io/api, as client-go's clientset
// scheme lists them, plus the API server's own CustomResourceDefinitions
// and APIServices. It builds the types of one API group on the first
// value of that group, not all of them at start: registering every type
// costs a one-shot command such as `etcdscope decode` several
// milliseconds, and so does linking client-go's scheme package, whose init
// registers them all into its global scheme.
package kubescheme

import (
	"fmt"
	"sync"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	admissionregistrationv1alpha1 "k8s.io/api/admissionregistration/v1alpha1"
	admissionregistrationv1beta1 "k8s.io/api/admissionregistration/v1beta1"
	apiserverinternalv1alpha1 "k8s.io/api/apiserverinternal/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	appsv1beta1 "k8s.io/api/apps/v1beta1"
	appsv1beta2 "k8s.io/api/apps/v1beta2"
	authenticationv1 "k8s.io/api/authentication/v1"
	authenticationv1alpha1 "k8s.io/api/authentication/v1alpha1"
	authenticationv1beta1 "k8s.io/api/authentication/v1beta1"
	authorizationv1 "k8s.io/api/authorization/v1"
	authorizationv1beta1 "k8s.io/api/authorization/v1beta1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	batchv1beta1 "k8s.io/api/batch/v1beta1"
	certificatesv1 "k8s.io/api/certificates/v1"
	certificatesv1alpha1 "k8s.io/api/certificates/v1alpha1"
	certificatesv1beta1 "k8s.io/api/certificates/v1beta1"
	coordinationv1 "k8s.io/api/coordination/v1"
	coordinationv1alpha2 "k8s.io/api/coordination/v1alpha2"
	coordinationv1beta1 "k8s.io/api/coordination/v1beta1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	discoveryv1beta1 "k8s.io/api/discovery/v1beta1"
	eventsv1 "k8s.io/api/events/v1"
	eventsv1beta1 "k8s.io/api/events/v1beta1"
	extensionsv1beta1 "k8s.io/api/extensions/v1beta1"
	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
	flowcontrolv1beta1 "k8s.io/api/flowcontrol/v1beta1"
	flowcontrolv1beta2 "k8s.io/api/flowcontrol/v1beta2"
	flowcontrolv1beta3 "k8s.io/api/flowcontrol/v1beta3"
	lifecyclev1alpha1 "k8s.io/api/lifecycle/v1alpha1"
	networkingv1 "k8s.io/api/networking/v1"
	networkingv1beta1 "k8s.io/api/networking/v1beta1"
	nodev1 "k8s.io/api/node/v1"
	nodev1alpha1 "k8s.io/api/node/v1alpha1"
	nodev1beta1 "k8s.io/api/node/v1beta1"
	policyv1 "k8s.io/api/policy/v1"
	policyv1beta1 "k8s.io/api/policy/v1beta1"
	rbacv1 "k8s.io/api/rbac/v1"
	rbacv1alpha1 "k8s.io/api/rbac/v1alpha1"
	rbacv1beta1 "k8s.io/api/rbac/v1beta1"
	resourcev1 "k8s.io/api/resource/v1"
	resourcev1alpha3 "k8s.io/api/resource/v1alpha3"
	resourcev1beta1 "k8s.io/api/resource/v1beta1"
	resourcev1beta2 "k8s.io/api/resource/v1beta2"
	schedulingv1 "k8s.io/api/scheduling/v1"
	schedulingv1alpha3 "k8s.io/api/scheduling/v1alpha3"
	schedulingv1beta1 "k8s.io/api/scheduling/v1beta1"
	storagev1 "k8s.io/api/storage/v1"
	storagev1alpha1 "k8s.io/api/storage/v1alpha1"
	storagev1beta1 "k8s.io/api/storage/v1beta1"
	storagemigrationv1 "k8s.io/api/storagemigration/v1"
	storagemigrationv1beta1 "k8s.io/api/storagemigration/v1beta1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsv1beta1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
	apiregistrationv1beta1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1beta1"
)

// groupVersion is one group-version's registration. The group is named
// here rather than read from the package's SchemeGroupVersion so the
// table below stays a list of constants and functions.
type groupVersion struct {
	group string
	add   func(*runtime.Scheme) error
}

// groupVersions is every group-version this package knows: client-go's
// clientset scheme, in its order (the order of a type's kinds follows it;
// a test holds the two equal), then the API server's own types.
var groupVersions = []groupVersion{
	{admissionregistrationv1.GroupName, admissionregistrationv1.AddToScheme},
	{admissionregistrationv1alpha1.GroupName, admissionregistrationv1alpha1.AddToScheme},
	{admissionregistrationv1beta1.GroupName, admissionregistrationv1beta1.AddToScheme},
	{apiserverinternalv1alpha1.GroupName, apiserverinternalv1alpha1.AddToScheme},
	{appsv1.GroupName, appsv1.AddToScheme},
	{appsv1beta1.GroupName, appsv1beta1.AddToScheme},
	{appsv1beta2.GroupName, appsv1beta2.AddToScheme},
	{authenticationv1.GroupName, authenticationv1.AddToScheme},
	{authenticationv1alpha1.GroupName, authenticationv1alpha1.AddToScheme},
	{authenticationv1beta1.GroupName, authenticationv1beta1.AddToScheme},
	{authorizationv1.GroupName, authorizationv1.AddToScheme},
	{authorizationv1beta1.GroupName, authorizationv1beta1.AddToScheme},
	{autoscalingv1.GroupName, autoscalingv1.AddToScheme},
	{autoscalingv2.GroupName, autoscalingv2.AddToScheme},
	{batchv1.GroupName, batchv1.AddToScheme},
	{batchv1beta1.GroupName, batchv1beta1.AddToScheme},
	{certificatesv1.GroupName, certificatesv1.AddToScheme},
	{certificatesv1beta1.GroupName, certificatesv1beta1.AddToScheme},
	{certificatesv1alpha1.GroupName, certificatesv1alpha1.AddToScheme},
	{coordinationv1alpha2.GroupName, coordinationv1alpha2.AddToScheme},
	{coordinationv1beta1.GroupName, coordinationv1beta1.AddToScheme},
	{coordinationv1.GroupName, coordinationv1.AddToScheme},
	{corev1.GroupName, corev1.AddToScheme},
	{discoveryv1.GroupName, discoveryv1.AddToScheme},
	{discoveryv1beta1.GroupName, discoveryv1beta1.AddToScheme},
	{eventsv1.GroupName, eventsv1.AddToScheme},
	{eventsv1beta1.GroupName, eventsv1beta1.AddToScheme},
	{extensionsv1beta1.GroupName, extensionsv1beta1.AddToScheme},
	{flowcontrolv1.GroupName, flowcontrolv1.AddToScheme},
	{flowcontrolv1beta1.GroupName, flowcontrolv1beta1.AddToScheme},
	{flowcontrolv1beta2.GroupName, flowcontrolv1beta2.AddToScheme},
	{flowcontrolv1beta3.GroupName, flowcontrolv1beta3.AddToScheme},
	{lifecyclev1alpha1.GroupName, lifecyclev1alpha1.AddToScheme},
	{networkingv1.GroupName, networkingv1.AddToScheme},
	{networkingv1beta1.GroupName, networkingv1beta1.AddToScheme},
	{nodev1.GroupName, nodev1.AddToScheme},
	{nodev1alpha1.GroupName, nodev1alpha1.AddToScheme},
	{nodev1beta1.GroupName, nodev1beta1.AddToScheme},
	{policyv1.GroupName, policyv1.AddToScheme},
	{policyv1beta1.GroupName, policyv1beta1.AddToScheme},
	{rbacv1.GroupName, rbacv1.AddToScheme},
	{rbacv1beta1.GroupName, rbacv1beta1.AddToScheme},
	{rbacv1alpha1.GroupName, rbacv1alpha1.AddToScheme},
	{resourcev1.GroupName, resourcev1.AddToScheme},
	{resourcev1beta2.GroupName, resourcev1beta2.AddToScheme},
	{resourcev1beta1.GroupName, resourcev1beta1.AddToScheme},
	{resourcev1alpha3.GroupName, resourcev1alpha3.AddToScheme},
	{schedulingv1alpha3.GroupName, schedulingv1alpha3.AddToScheme},
	{schedulingv1beta1.GroupName, schedulingv1beta1.AddToScheme},
	{schedulingv1.GroupName, schedulingv1.AddToScheme},
	{storagev1beta1.GroupName, storagev1beta1.AddToScheme},
	{storagev1.GroupName, storagev1.AddToScheme},
	{storagev1alpha1.GroupName, storagev1alpha1.AddToScheme},
	{storagemigrationv1.GroupName, storagemigrationv1.AddToScheme},
	{storagemigrationv1beta1.GroupName, storagemigrationv1beta1.AddToScheme},

	{apiextensionsv1.GroupName, apiextensionsv1.AddToScheme},
	{apiextensionsv1beta1.GroupName, apiextensionsv1beta1.AddToScheme},
	{apiregistrationv1.GroupName, apiregistrationv1.AddToScheme},
	{apiregistrationv1beta1.GroupName, apiregistrationv1beta1.AddToScheme},
}

// groupSchemes holds, per API group, that group's scheme built on first
// use. A group is the unit rather than a group-version because the
// registrations of a group's versions also register its internal-version
// kinds; so a group's scheme answers for every version of it exactly as
// a scheme of all groups does. The map is never written after init.
var groupSchemes = func() map[string]func() (*runtime.Scheme, error) {
	adds := map[string][]func(*runtime.Scheme) error{}
	for _, gv := range groupVersions {
		adds[gv.group] = append(adds[gv.group], gv.add)
	}
	out := make(map[string]func() (*runtime.Scheme, error), len(adds))
	for group, fns := range adds {
		out[group] = sync.OnceValues(func() (*runtime.Scheme, error) {
			return build(fns, "group "+groupLabel(group))
		})
	}
	return out
}()

// unversioned is the scheme of a group this package does not know: it
// holds only the kinds every group's registration adds under any version
// (metav1.Status and its kin), which a scheme of all groups creates for
// any group too.
var unversioned = sync.OnceValues(func() (*runtime.Scheme, error) {
	return build([]func(*runtime.Scheme) error{func(s *runtime.Scheme) error {
		metav1.AddToGroupVersion(s, metav1.Unversioned)
		return nil
	}}, "unversioned kinds")
})

// all is the scheme of every group, for what needs the whole: the typer,
// and callers of AddToScheme.
var all = sync.OnceValues(func() (*runtime.Scheme, error) {
	fns := make([]func(*runtime.Scheme) error, len(groupVersions))
	for i, gv := range groupVersions {
		fns[i] = gv.add
	}
	return build(fns, "all groups")
})

func build(fns []func(*runtime.Scheme) error, what string) (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	for _, add := range fns {
		if err := add(s); err != nil {
			return nil, fmt.Errorf("build type scheme of %s: %w", what, err)
		}
	}
	return s, nil
}

func groupLabel(group string) string {
	if group == "" {
		return "core"
	}
	return group
}

// schemeOf returns the scheme that answers for group.
func schemeOf(group string) (*runtime.Scheme, error) {
	if s, ok := groupSchemes[group]; ok {
		return s()
	}
	return unversioned()
}

// AddToScheme registers every type this package knows into s, as
// client-go's AddToScheme and the API server's own types' do.
func AddToScheme(s *runtime.Scheme) error {
	for _, gv := range groupVersions {
		if err := gv.add(s); err != nil {
			return err
		}
	}
	return nil
}

// Types creates and recognizes the stored types by their group, version
// and kind, building only the asked group's scheme. It is a
// runtime.ObjectCreater and runtime.ObjectTyper for the serializers, safe
// for concurrent use; its zero value is ready.
type Types struct{}

var (
	_ runtime.ObjectCreater = Types{}
	_ runtime.ObjectTyper   = Types{}
)

// New returns a new object of the type registered for gvk, as a scheme of
// every group would: not registered errors for kinds it does not know.
func (Types) New(gvk schema.GroupVersionKind) (runtime.Object, error) {
	s, err := schemeOf(gvk.Group)
	if err != nil {
		return nil, err
	}
	return s.New(gvk)
}

// Recognizes reports whether gvk names a registered type (not counting
// the kinds registered under any version, as Scheme.Recognizes does not).
func (Types) Recognizes(gvk schema.GroupVersionKind) bool {
	s, err := schemeOf(gvk.Group)
	return err == nil && s.Recognizes(gvk)
}

// ObjectKinds returns the kinds obj's type is registered under. A Go type
// does not tell its group, so this builds every group's types: the
// decoders never ask it, as they decode into no object or into
// runtime.Unknown.
func (Types) ObjectKinds(obj runtime.Object) ([]schema.GroupVersionKind, bool, error) {
	s, err := all()
	if err != nil {
		return nil, false, err
	}
	return s.ObjectKinds(obj)
}
