package decode

import (
	"strings"
	"testing"
)

func TestWithTypeMeta(t *testing.T) {
	long := strings.Repeat("x", 5000) // outgrows the sized buffer
	cases := []struct {
		obj       any
		storedLen int
		want      string
	}{
		{map[string]any{}, 0, `{"apiVersion":"v1","kind":"Pod"}`},
		{map[string]any{"a": "<&>"}, 0, `{"apiVersion":"v1","kind":"Pod","a":"<&>"}`},
		{map[string]any{"b": 1, "a": []int{2}}, 100, `{"apiVersion":"v1","kind":"Pod","a":[2],"b":1}`},
		{map[string]any{"l": long}, 10, `{"apiVersion":"v1","kind":"Pod","l":"` + long + `"}`},
	}
	for _, c := range cases {
		got, err := withTypeMeta("v1", "Pod", c.obj, c.storedLen)
		if err != nil {
			t.Errorf("withTypeMeta(%v): %v", c.obj, err)
			continue
		}
		if string(got) != c.want {
			t.Errorf("withTypeMeta(%.40v) = %.80s, want %.80s", c.obj, got, c.want)
		}
	}
	for _, obj := range []any{"s", []int{1}, nil, 3} {
		if got, err := withTypeMeta("v1", "Pod", obj, 10); err == nil || !strings.Contains(err.Error(), "not an object") {
			t.Errorf("withTypeMeta(%v) = %s, %v; want a not-an-object error", obj, got, err)
		}
	}
	if _, err := withTypeMeta("v1", "Pod", map[string]any{"f": func() {}}, 10); err == nil {
		t.Error("withTypeMeta of a func member succeeded")
	}
}
