package columns_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/decode/columns"
)

// A list pane builds the table once per kind, shows KeyRow rows at once
// (name and size sort without decoding), computes Row for the values on
// screen as they are decoded, lays the columns out with Fit and cuts each
// cell with its column's Clip.
func Example() {
	pods, _ := decode.NewCatalog().Lookup("po")
	table := columns.ForKind(pods, true)
	now := time.Date(2026, 11, 25, 5, 0, 0, 0, time.UTC)

	v := decode.Value{
		Key:  "/registry/pods/kube-system/kube-proxy-ip-10-0-1-23-6dq7m",
		Kind: "Pod", APIVersion: "v1",
		Raw: make([]byte, 2400),
		Object: []byte(`{"metadata":{"creationTimestamp":"2026-11-25T03:00:00Z"},
			"spec":{"nodeName":"ip-10-0-1-23","containers":[{"name":"kube-proxy"}]},
			"status":{"phase":"Running","containerStatuses":[{"name":"kube-proxy","ready":true,"restartCount":1,
				"state":{"running":{}},"lastState":{"terminated":{"finishedAt":"2026-11-25T04:55:00Z"}}}]}}`),
	}
	rows := [][]columns.Cell{table.Row(v, now)}
	cols := table.Columns()
	for _, width := range []int{120, 80, 50} {
		var line []string
		for i, w := range columns.Fit(cols, rows, width, 2) {
			if w > 0 {
				line = append(line, fmt.Sprintf("%-*s", w, cols[i].Clip(rows[0][i].Text, w)))
			}
		}
		fmt.Println(strings.TrimSpace(strings.Join(line, "  ")))
	}
	// Output:
	// kube-system  kube-proxy-ip-10-0-1-23-6dq7m  1/1    Running  1 (5m ago)  ip-10-0-1-23  <none>  2.3 KiB  120m
	// kube-system  kube-proxy-ip-10-0-1-23-6dq7m  1/1    Running  1 (5m ago)  120m
	// kube-system  kube-proxy-ip-…-6dq7m  1/1    Running
}
