package decode

import (
	"fmt"
	"reflect"
)

// metadataDiff says how got differs from want, "" when it does not:
// field by field, times by instant, empty lists and maps as absent,
// errors by their text.
func metadataDiff(got, want Metadata) string {
	var diffs []string
	check := func(name string, same bool, g, w any) {
		if !same {
			diffs = append(diffs, fmt.Sprintf("%s: got %v, want %v", name, g, w))
		}
	}
	errText := func(err error) string {
		if err == nil {
			return ""
		}
		return err.Error()
	}
	check("Err", errText(got.Err) == errText(want.Err), got.Err, want.Err)
	check("Encoding", got.Encoding == want.Encoding, got.Encoding, want.Encoding)
	check("Encryption", reflect.DeepEqual(got.Encryption, want.Encryption), got.Encryption, want.Encryption)
	check("APIVersion", got.APIVersion == want.APIVersion, got.APIVersion, want.APIVersion)
	check("Kind", got.Kind == want.Kind, got.Kind, want.Kind)
	check("IsObject", got.IsObject == want.IsObject, got.IsObject, want.IsObject)
	check("Name", got.Name == want.Name, got.Name, want.Name)
	check("Namespace", got.Namespace == want.Namespace, got.Namespace, want.Namespace)
	check("UID", got.UID == want.UID, got.UID, want.UID)
	check("CreationTimestamp", got.CreationTimestamp.Equal(want.CreationTimestamp), got.CreationTimestamp, want.CreationTimestamp)
	sameDeletion := (got.DeletionTimestamp == nil) == (want.DeletionTimestamp == nil) &&
		(got.DeletionTimestamp == nil || got.DeletionTimestamp.Equal(*want.DeletionTimestamp))
	check("DeletionTimestamp", sameDeletion, got.DeletionTimestamp, want.DeletionTimestamp)
	check("Finalizers", len(got.Finalizers) == 0 && len(want.Finalizers) == 0 || reflect.DeepEqual(got.Finalizers, want.Finalizers), got.Finalizers, want.Finalizers)
	check("OwnerReferences", len(got.OwnerReferences) == 0 && len(want.OwnerReferences) == 0 || reflect.DeepEqual(got.OwnerReferences, want.OwnerReferences), got.OwnerReferences, want.OwnerReferences)
	check("Labels", len(got.Labels) == 0 && len(want.Labels) == 0 || reflect.DeepEqual(got.Labels, want.Labels), got.Labels, want.Labels)
	if len(diffs) == 0 {
		return ""
	}
	return fmt.Sprint(diffs)
}
