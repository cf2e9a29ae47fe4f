package decode

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestChangedFields(t *testing.T) {
	tests := []struct {
		name          string
		before, after string
		want          string // Summary at a wide width
	}{
		{"a phase", `{"metadata":{"resourceVersion":"1"},"status":{"phase":"Pending"}}`,
			`{"metadata":{"resourceVersion":"2"},"status":{"phase":"Running"}}`, "status.phase Pending → Running"},
		{"list items, added and removed", `{"spec":{"containers":[{"image":"a:1"}]},"x":true}`,
			`{"spec":{"containers":[{"image":"a:2"},{"image":"b"}]},"y":3}`,
			"spec.containers[0].image a:1 → a:2, spec.containers[1].image +b, x removed, y +3"},
		{"nothing but what every write changes", `{"metadata":{"resourceVersion":"1","managedFields":[{"a":1}]}}`,
			`{"metadata":{"resourceVersion":"2","managedFields":[{"a":2}]}}`, ""},
		{"long values are left out", `{"a":"` + strings.Repeat("x", 50) + `"}`, `{"a":"y"}`, "a"},
		{"secret data shows no value", `{"apiVersion":"v1","kind":"Secret","data":{"password":"aHVudGVyMg=="}}`,
			`{"apiVersion":"v1","kind":"Secret","data":{"password":"c2VjcmV0"},"stringData":{"t":"tok"}}`,
			"data.password, stringData.t added"},
		{"a number literal kept", `{"n":1.10}`, `{"n":9223372036854775807}`, "n 1.10 → 9223372036854775807"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Summary(ChangedFields(json.RawMessage(tc.before), json.RawMessage(tc.after)), 200)
			if got != tc.want {
				t.Errorf("Summary = %q, want %q", got, tc.want)
			}
		})
	}
	if ChangedFields(json.RawMessage(`"text"`), json.RawMessage(`{}`)) != nil {
		t.Error("a change of a non-object listed fields")
	}
}

func TestSummaryFitsItsWidth(t *testing.T) {
	changes := []FieldChange{{Path: "status.phase", Old: "Pending", New: "Running"}, {Path: "status.podIP"}, {Path: "status.conditions[0].status"}}
	if got := Summary(changes, 34); got != "status.phase Pending → Running, +2 more" {
		t.Errorf("narrow: %q", got)
	}
}

func TestChangedFieldsOfARealPod(t *testing.T) {
	kv := fixtureKV(t, "/registry/pods/shop/web-6bbcb4d55f-5z72c")
	v := NewDecoder().Decode(kv.Key, kv.Value, metaOf(kv))
	root := mustParse(t, string(v.Object))
	root.get("status").set("phase", &jsonNode{kind: jsonString, text: "Failed"})
	after := root.marshal()
	got := ChangedFields(v.Object, after)
	if len(got) != 1 || got[0].Path != "status.phase" || got[0].New != "Failed" || got[0].Old == "" {
		t.Errorf("changes %+v", got)
	}
}
