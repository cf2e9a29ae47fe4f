package stats

import (
	"reflect"
	"testing"
)

func TestParseMetadata(t *testing.T) {
	for _, c := range []struct {
		name, obj string
		want      metadataOnly
		err       bool
	}{
		{"first", `{"metadata":{"uid":"u1","finalizers":["f"]},"spec":{}}`, metadataOnly{UID: "u1", Finalizers: []string{"f"}}, false},
		{"after nested metadata", `{"spec":{"template":{"metadata":{"uid":"inner"}}},"metadata":{"uid":"outer","deletionTimestamp":"2026-01-01T00:00:00Z"}}`,
			metadataOnly{UID: "outer", DeletionTimestamp: "2026-01-01T00:00:00Z"}, false},
		{"owners", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"rs","uid":"u2","controller":true}]}}`,
			metadataOnly{OwnerReferences: []ownerRef{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "rs", UID: "u2"}}}, false},
		{"none", `{"kind":"Status","code":404}`, metadataOnly{}, false},
		{"finalizers not a list", `{"metadata":{"finalizers":"x"}}`, metadataOnly{}, true},
		{"cut short", `{"metadata":{"uid":"u`, metadataOnly{}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseMetadata([]byte(c.obj))
			if (err != nil) != c.err || !reflect.DeepEqual(got, c.want) {
				t.Errorf("parseMetadata = %+v, %v; want %+v, error %v", got, err, c.want, c.err)
			}
		})
	}
}
