package kubescheme_test

import (
	"reflect"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsv1beta1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1beta1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
	apiregistrationv1beta1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1beta1"

	"github.com/etcdscope/etcdscope/decode/kubescheme"
)

// wholeScheme is what the decoder registered before it built groups on
// demand: client-go's clientset scheme and the API server's own types.
// Only the tests link client-go's scheme package.
func wholeScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		clientgoscheme.AddToScheme,
		apiextensionsv1.AddToScheme,
		apiextensionsv1beta1.AddToScheme,
		apiregistrationv1.AddToScheme,
		apiregistrationv1beta1.AddToScheme,
	} {
		if err := add(s); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// TestAddToSchemeIsClientGos holds the table equal to client-go's list of
// groups: a client-go upgrade that adds or drops a group-version fails
// here until the table follows.
func TestAddToSchemeIsClientGos(t *testing.T) {
	want := wholeScheme(t).AllKnownTypes()
	got := runtime.NewScheme()
	if err := kubescheme.AddToScheme(got); err != nil {
		t.Fatal(err)
	}
	gotTypes := got.AllKnownTypes()
	for gvk, typ := range want {
		if gotTypes[gvk] != typ {
			t.Errorf("%v: got %v, want %v", gvk, gotTypes[gvk], typ)
		}
	}
	for gvk, typ := range gotTypes {
		if _, ok := want[gvk]; !ok {
			t.Errorf("%v (%v) is not in client-go's scheme", gvk, typ)
		}
	}
}

// TestTypesAnswerAsWholeScheme asks Types, which builds one group at a
// time, what the scheme of all groups is asked, for every kind it knows
// under its own group, under another version, under an unknown group
// (where only the unversioned kinds such as Status exist) and under the
// internal version.
func TestTypesAnswerAsWholeScheme(t *testing.T) {
	whole := wholeScheme(t)
	var types kubescheme.Types
	check := func(gvk schema.GroupVersionKind) {
		t.Helper()
		wantObj, wantErr := whole.New(gvk)
		gotObj, gotErr := types.New(gvk)
		if (wantErr == nil) != (gotErr == nil) || reflect.TypeOf(wantObj) != reflect.TypeOf(gotObj) {
			t.Errorf("New(%v) = %T, %v; want %T, %v", gvk, gotObj, gotErr, wantObj, wantErr)
		}
		if wantErr != nil && !runtime.IsNotRegisteredError(gotErr) {
			t.Errorf("New(%v): %v is not a not-registered error", gvk, gotErr)
		}
		if got, want := types.Recognizes(gvk), whole.Recognizes(gvk); got != want {
			t.Errorf("Recognizes(%v) = %v, want %v", gvk, got, want)
		}
	}
	known := whole.AllKnownTypes()
	if len(known) < 500 {
		t.Fatalf("only %d kinds in the whole scheme", len(known))
	}
	for gvk := range known {
		check(gvk)
		check(schema.GroupVersionKind{Group: gvk.Group, Version: "v99", Kind: gvk.Kind})
		check(schema.GroupVersionKind{Group: gvk.Group, Version: runtime.APIVersionInternal, Kind: gvk.Kind})
		check(schema.GroupVersionKind{Group: "example.com", Version: gvk.Version, Kind: gvk.Kind})
	}
	check(schema.GroupVersionKind{Group: "example.com", Version: "v1", Kind: "Status"})
	check(schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "NoSuchKind"})
	check(schema.GroupVersionKind{})
}

// TestObjectKinds holds the kinds of every registered Go type, in order,
// to the whole scheme's: the demo stamps objects with the first.
func TestObjectKinds(t *testing.T) {
	whole := wholeScheme(t)
	var types kubescheme.Types
	for gvk := range whole.AllKnownTypes() {
		obj, err := whole.New(gvk)
		if err != nil {
			t.Fatal(err)
		}
		want, wantUnv, wantErr := whole.ObjectKinds(obj)
		got, gotUnv, gotErr := types.ObjectKinds(obj)
		if !reflect.DeepEqual(got, want) || gotUnv != wantUnv || (gotErr == nil) != (wantErr == nil) {
			t.Errorf("ObjectKinds(%T) = %v, %v, %v; want %v, %v, %v", obj, got, gotUnv, gotErr, want, wantUnv, wantErr)
		}
	}
	if _, _, err := types.ObjectKinds(&runtime.Unknown{}); err == nil {
		t.Error("ObjectKinds of an unregistered type: no error")
	}
}
