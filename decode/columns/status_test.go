package columns

import (
	"fmt"
	"testing"
	"time"
)

// The fixture's cluster ran no kubelet, so its pods never got container
// statuses. These tests take real stored objects and add the status a
// kubelet or controller writes (a JSON merge patch), then check the cells
// against kubectl's rules, cited in each case.

// podPatch builds a pod status patch from container statuses.
func podPatch(spec, status string) string {
	return fmt.Sprintf(`{"spec":%s,"status":%s}`, spec, status)
}

// Two containers of the real pod spec: web (the stored one) and a
// sidecar-less second container.
const twoContainers = `{"containers":[
	{"name":"web","image":"registry.example.com/web:1.2.3"},
	{"name":"log","image":"registry.example.com/log:1"}]}`

func TestPodStatus(t *testing.T) {
	fs := fixtures(t)
	const key = "/registry/pods/shop/web-6bbcb4d55f-5z72c"
	tab := ForKind(fs.kind(t, key), false)
	running := `{"running":{"startedAt":"` + ago(50*time.Minute) + `"}}`
	for _, tc := range []struct {
		name  string
		patch string
		want  map[string]string
	}{
		{
			// The last container with a waiting reason names STATUS;
			// RESTARTS sums restartCount, with the latest
			// lastState.terminated.finishedAt as "(3m ago)"; READY counts
			// ready running containers.
			name: "crash loop",
			patch: podPatch(twoContainers, `{"phase":"Running","podIP":"10.244.1.7","podIPs":[{"ip":"10.244.1.7"}],"containerStatuses":[
				{"name":"web","ready":true,"restartCount":2,"state":`+running+`,
				 "lastState":{"terminated":{"exitCode":1,"finishedAt":"`+ago(40*time.Minute)+`"}}},
				{"name":"log","ready":false,"restartCount":5,"state":{"waiting":{"reason":"CrashLoopBackOff"}},
				 "lastState":{"terminated":{"exitCode":2,"reason":"Error","finishedAt":"`+ago(3*time.Minute)+`"}}}]}`),
			want: map[string]string{"READY": "1/2", "STATUS": "CrashLoopBackOff", "RESTARTS": "7 (3m ago)", "IP": "10.244.1.7"},
		},
		{
			// Containers are read last to first, so the first container
			// with a reason names STATUS.
			name: "two reasons",
			patch: podPatch(twoContainers, `{"phase":"Pending","containerStatuses":[
				{"name":"web","state":{"waiting":{"reason":"ImagePullBackOff"}}},
				{"name":"log","state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}`),
			want: map[string]string{"STATUS": "ImagePullBackOff", "READY": "0/2"},
		},
		{
			name: "running",
			patch: podPatch(twoContainers, `{"phase":"Running","containerStatuses":[
				{"name":"web","ready":true,"restartCount":0,"state":`+running+`},
				{"name":"log","ready":true,"restartCount":0,"state":`+running+`}]}`),
			want: map[string]string{"READY": "2/2", "STATUS": "Running", "RESTARTS": "0"},
		},
		{
			// Restarts without a known last termination: the count alone.
			name: "restarts without time",
			patch: podPatch(twoContainers, `{"phase":"Running","containerStatuses":[
				{"name":"web","ready":true,"restartCount":4,"state":`+running+`}]}`),
			want: map[string]string{"READY": "1/2", "RESTARTS": "4"},
		},
		{
			// A terminated container without a reason: ExitCode:n, or
			// Signal:n when it has a signal.
			name: "exit code",
			patch: podPatch(twoContainers, `{"phase":"Running","containerStatuses":[
				{"name":"web","state":{"terminated":{"exitCode":137}}}]}`),
			want: map[string]string{"STATUS": "ExitCode:137"},
		},
		{
			name: "signal",
			patch: podPatch(twoContainers, `{"phase":"Running","containerStatuses":[
				{"name":"web","state":{"terminated":{"exitCode":0,"signal":9}}}]}`),
			want: map[string]string{"STATUS": "Signal:9"},
		},
		{
			// Completed with a container still running: Running when the
			// pod is Ready, else NotReady.
			name: "completed but running, ready",
			patch: podPatch(twoContainers, `{"phase":"Running","conditions":[{"type":"Ready","status":"True"}],"containerStatuses":[
				{"name":"web","ready":true,"state":`+running+`},
				{"name":"log","state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}`),
			want: map[string]string{"STATUS": "Running", "READY": "1/2"},
		},
		{
			name: "completed but running, not ready",
			patch: podPatch(twoContainers, `{"phase":"Running","conditions":[{"type":"Ready","status":"False"}],"containerStatuses":[
				{"name":"web","ready":true,"state":`+running+`},
				{"name":"log","state":{"terminated":{"exitCode":0,"reason":"Completed"}}}]}`),
			want: map[string]string{"STATUS": "NotReady"},
		},
		{
			// The first unfinished init container: Init:i/n while it runs.
			name: "init running",
			patch: podPatch(`{"initContainers":[{"name":"a","image":"x"},{"name":"b","image":"x"}]}`, `{"phase":"Pending","initContainerStatuses":[
				{"name":"a","state":{"terminated":{"exitCode":0,"reason":"Completed"}}},
				{"name":"b","restartCount":1,"state":`+running+`}],
				"containerStatuses":[{"name":"web","state":{"waiting":{"reason":"PodInitializing"}}}]}`),
			want: map[string]string{"STATUS": "Init:1/2", "RESTARTS": "1", "READY": "0/1"},
		},
		{
			name: "init crash loop",
			patch: podPatch(`{"initContainers":[{"name":"a","image":"x"}]}`, `{"phase":"Pending","initContainerStatuses":[
				{"name":"a","restartCount":3,"state":{"waiting":{"reason":"CrashLoopBackOff"}},
				 "lastState":{"terminated":{"exitCode":1,"finishedAt":"`+ago(10*time.Minute)+`"}}}]}`),
			want: map[string]string{"STATUS": "Init:CrashLoopBackOff", "RESTARTS": "3 (10m ago)"},
		},
		{
			name: "init failed",
			patch: podPatch(`{"initContainers":[{"name":"a","image":"x"}]}`, `{"phase":"Pending","initContainerStatuses":[
				{"name":"a","state":{"terminated":{"exitCode":1,"reason":"Error"}}}]}`),
			want: map[string]string{"STATUS": "Init:Error"},
		},
		{
			name: "init exit code",
			patch: podPatch(`{"initContainers":[{"name":"a","image":"x"}]}`, `{"phase":"Pending","initContainerStatuses":[
				{"name":"a","state":{"terminated":{"exitCode":3}}}]}`),
			want: map[string]string{"STATUS": "Init:ExitCode:3"},
		},
		{
			// A started restartable init container (a sidecar) counts as a
			// container, ready or not, and does not hold up the pod; past
			// initialization only its restarts are kept with the app
			// containers'.
			name: "sidecar",
			patch: podPatch(`{"initContainers":[{"name":"proxy","image":"x","restartPolicy":"Always"},{"name":"setup","image":"x"}]}`, `{"phase":"Running","initContainerStatuses":[
				{"name":"proxy","ready":true,"started":true,"restartCount":2,"state":`+running+`},
				{"name":"setup","restartCount":9,"state":{"terminated":{"exitCode":0,"reason":"Completed"}}}],
				"containerStatuses":[{"name":"web","ready":true,"restartCount":1,"state":`+running+`}]}`),
			want: map[string]string{"READY": "2/2", "STATUS": "Running", "RESTARTS": "3"},
		},
		{
			// deletionTimestamp on a pod not yet terminal: Terminating.
			name:  "terminating",
			patch: `{"metadata":{"deletionTimestamp":"` + ago(time.Minute) + `"},"status":{"phase":"Running"}}`,
			want:  map[string]string{"STATUS": "Terminating"},
		},
		{
			// Deleted and its node lost (status.reason NodeLost): Unknown.
			name:  "node lost",
			patch: `{"metadata":{"deletionTimestamp":"` + ago(time.Minute) + `"},"status":{"phase":"Running","reason":"NodeLost"}}`,
			want:  map[string]string{"STATUS": "Unknown"},
		},
		{
			// A terminal pod being deleted keeps its phase.
			name:  "succeeded and deleted",
			patch: `{"metadata":{"deletionTimestamp":"` + ago(time.Minute) + `"},"status":{"phase":"Succeeded"}}`,
			want:  map[string]string{"STATUS": "Succeeded"},
		},
		{
			// status.reason replaces the phase (Evicted).
			name:  "evicted",
			patch: `{"status":{"phase":"Failed","reason":"Evicted"}}`,
			want:  map[string]string{"STATUS": "Evicted"},
		},
		{
			name:  "scheduling gated",
			patch: `{"status":{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"SchedulingGated"}]}}`,
			want:  map[string]string{"STATUS": "SchedulingGated"},
		},
		{
			name:  "scheduled",
			patch: `{"spec":{"nodeName":"lab-node-1"}}`,
			want:  map[string]string{"NODE": "lab-node-1"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantCells(t, tab, tab.Row(fs.patched(t, key, tc.patch), now), tc.want)
		})
	}
}

func TestWorkloadStatus(t *testing.T) {
	fs := fixtures(t)
	for _, tc := range []struct {
		name, key, patch string
		want             map[string]string
	}{
		{
			name:  "deployment rolling",
			key:   "/registry/deployments/shop/web",
			patch: `{"status":{"readyReplicas":4,"availableReplicas":3,"updatedReplicas":5}}`,
			want:  map[string]string{"READY": "4/6", "UP-TO-DATE": "5", "AVAILABLE": "3"},
		},
		{
			name:  "statefulset ready",
			key:   "/registry/statefulsets/shop/db",
			patch: `{"status":{"readyReplicas":1}}`,
			want:  map[string]string{"READY": "1/1"},
		},
		{
			name:  "replicaset ready",
			key:   "/registry/replicasets/shop/web-6bbcb4d55f",
			patch: `{"status":{"readyReplicas":5}}`,
			want:  map[string]string{"READY": "5"},
		},
		{
			name:  "daemonset with node selector",
			key:   "/registry/daemonsets/coverage/ds6",
			patch: `{"spec":{"template":{"spec":{"nodeSelector":{"kubernetes.io/os":"linux"}}}},"status":{"currentNumberScheduled":2,"numberReady":1,"updatedNumberScheduled":2,"numberAvailable":1}}`,
			want:  map[string]string{"CURRENT": "2", "READY": "1", "UP-TO-DATE": "2", "AVAILABLE": "1", "NODE SELECTOR": "kubernetes.io/os=linux"},
		},
		{
			// Complete by its condition; DURATION completionTime -
			// startTime.
			name: "job complete",
			key:  "/registry/jobs/shop/migrate",
			patch: `{"status":{"succeeded":1,"startTime":"` + ago(20*time.Minute) + `","completionTime":"` + ago(15*time.Minute) + `",
				"conditions":[{"type":"Complete","status":"True"}]}}`,
			want: map[string]string{"STATUS": "Complete", "COMPLETIONS": "1/1", "DURATION": "5m"},
		},
		{
			name:  "job failed",
			key:   "/registry/jobs/shop/migrate",
			patch: `{"status":{"conditions":[{"type":"Failed","status":"True"}]}}`,
			want:  map[string]string{"STATUS": "Failed"},
		},
		{
			name:  "job suspended",
			key:   "/registry/jobs/shop/migrate",
			patch: `{"status":{"conditions":[{"type":"Suspended","status":"True"}]}}`,
			want:  map[string]string{"STATUS": "Suspended"},
		},
		{
			// No completions, parallelism 3: "succeeded/1 of 3".
			name:  "job work queue",
			key:   "/registry/jobs/shop/migrate",
			patch: `{"spec":{"completions":null,"parallelism":3},"status":{"succeeded":2}}`,
			want:  map[string]string{"COMPLETIONS": "2/1 of 3"},
		},
		{
			name:  "job never started",
			key:   "/registry/jobs/shop/migrate",
			patch: `{"status":{"startTime":null}}`,
			want:  map[string]string{"DURATION": ""},
		},
		{
			name:  "cronjob scheduled",
			key:   "/registry/cronjobs/coverage/cjv1",
			patch: `{"spec":{"suspend":true,"timeZone":"Europe/Paris"},"status":{"lastScheduleTime":"` + ago(2*time.Minute) + `","active":[{"name":"cjv1-1"},{"name":"cjv1-2"}]}}`,
			want:  map[string]string{"SUSPEND": "True", "TIMEZONE": "Europe/Paris", "ACTIVE": "2", "LAST SCHEDULE": "2m"},
		},
		{
			// Bound: capacity and access modes from status; the beta
			// annotation wins over spec.storageClassName.
			name: "pvc bound",
			key:  "/registry/persistentvolumeclaims/coverage/pvc1",
			patch: `{"metadata":{"annotations":{"volume.beta.kubernetes.io/storage-class":"old-class"}},
				"spec":{"volumeName":"pv1name","accessModes":["ReadWriteOnce","ReadOnlyMany"]},
				"status":{"phase":"Bound","capacity":{"storage":"3M"},"accessModes":["ReadOnlyMany","ReadWriteOnce"]}}`,
			want: map[string]string{"STATUS": "Bound", "VOLUME": "pv1name", "CAPACITY": "3M", "ACCESS MODES": "RWO,ROX", "STORAGECLASS": "old-class"},
		},
		{
			name:  "pvc terminating",
			key:   "/registry/persistentvolumeclaims/coverage/pvc1",
			patch: `{"metadata":{"deletionTimestamp":"` + ago(time.Minute) + `"}}`,
			want:  map[string]string{"STATUS": "Terminating"},
		},
		{
			name:  "pv claimed",
			key:   "/registry/persistentvolumes/pv1name",
			patch: `{"spec":{"claimRef":{"namespace":"coverage","name":"pvc1"},"storageClassName":"lab-standard"},"status":{"phase":"Bound"}}`,
			want:  map[string]string{"CLAIM": "coverage/pvc1", "STATUS": "Bound", "STORAGECLASS": "lab-standard"},
		},
		{
			// Ready condition True; roles from both label forms, sorted.
			name: "node ready",
			key:  "/registry/minions/lab-node-1",
			patch: `{"metadata":{"labels":{"node-role.kubernetes.io/control-plane":"","kubernetes.io/role":"edge"}},
				"status":{"conditions":[{"type":"Ready","status":"True"}],"nodeInfo":{"kubeletVersion":"v1.37.2","osImage":"Debian"},
				"addresses":[{"type":"InternalIP","address":"10.0.0.5"}]}}`,
			want: map[string]string{"STATUS": "Ready", "ROLES": "control-plane,edge,worker", "VERSION": "v1.37.2", "INTERNAL-IP": "10.0.0.5", "EXTERNAL-IP": "<none>", "OS-IMAGE": "Debian"},
		},
		{
			name:  "node not ready",
			key:   "/registry/minions/lab-node-1",
			patch: `{"status":{"conditions":[{"type":"Ready","status":"Unknown"}]}}`,
			want:  map[string]string{"STATUS": "NotReady"},
		},
		{
			// A load balancer's addresses, sorted, then the external IPs.
			name:  "service load balancer",
			key:   "/registry/services/specs/coverage/service1",
			patch: `{"spec":{"externalIPs":["192.0.2.9"]},"status":{"loadBalancer":{"ingress":[{"ip":"203.0.113.7"},{"hostname":"lb.example.com"}]}}}`,
			want:  map[string]string{"EXTERNAL-IP": "203.0.113.7,lb.example.com,192.0.2.9"},
		},
		{
			name:  "service node port",
			key:   "/registry/services/specs/coverage/service1",
			patch: `{"spec":{"type":"NodePort","externalIPs":["192.0.2.9","192.0.2.10"]}}`,
			want:  map[string]string{"TYPE": "NodePort", "EXTERNAL-IP": "192.0.2.9,192.0.2.10", "PORT(S)": "10000:32649/TCP"},
		},
		{
			name:  "service external name",
			key:   "/registry/services/specs/coverage/service1",
			patch: `{"spec":{"type":"ExternalName","externalName":"db.example.com","clusterIPs":null,"ports":null}}`,
			want:  map[string]string{"TYPE": "ExternalName", "EXTERNAL-IP": "db.example.com", "CLUSTER-IP": "<none>", "PORT(S)": "<none>"},
		},
		{
			name: "endpointslice",
			key:  "/registry/endpointslices/coverage/service1-hsmf2",
			patch: `{"ports":[{"port":80},{"name":"https"},{}],"endpoints":[{"addresses":["10.244.1.2"]},{"addresses":["10.244.1.3"]},
				{"addresses":["10.244.1.4"]},{"addresses":["10.244.1.5"]},{"addresses":["10.244.1.6"]}]}`,
			want: map[string]string{"PORTS": "80,https,*", "ENDPOINTS": "10.244.1.2,10.244.1.3,10.244.1.4 + 2 more..."},
		},
		{
			name:  "ingress with tls",
			key:   "/registry/ingress/shop/web",
			patch: `{"spec":{"ingressClassName":"nginx","tls":[{"hosts":["shop.example.com"]}]},"status":{"loadBalancer":{"ingress":[{"ip":"203.0.113.8"}]}}}`,
			want:  map[string]string{"CLASS": "nginx", "PORTS": "80, 443", "ADDRESS": "203.0.113.8"},
		},
		{
			name:  "endpoints",
			key:   "/registry/services/endpoints/shop/web",
			patch: `{"subsets":[{"addresses":[{"ip":"10.244.1.2"},{"ip":"fd00::1"}],"ports":[{"port":8080}]}]}`,
			want:  map[string]string{"ENDPOINTS": "10.244.1.2:8080,[fd00::1]:8080"},
		},
		{
			name:  "lease without holder",
			key:   "/registry/leases/coverage/leasev1",
			patch: `{"spec":{"holderIdentity":null}}`,
			want:  map[string]string{"HOLDER": ""},
		},
		{
			name:  "namespace terminating",
			key:   "/registry/namespaces/shop",
			patch: `{"status":{"phase":"Terminating"}}`,
			want:  map[string]string{"STATUS": "Terminating"},
		},
		{
			// A series: last seen and count from it.
			name:  "event series",
			key:   "/registry/events/coverage/hpa2.18eb2de49c0c9ec7",
			patch: `{"series":{"count":12,"lastObservedTime":"` + now.Add(-30*time.Second).Format("2006-01-02T15:04:05.000000Z07:00") + `"},"message":"first line\nsecond"}`,
			want:  map[string]string{"LAST SEEN": "30s", "COUNT": "12", "MESSAGE": "first line..."},
		},
		{
			// The same event read as events.k8s.io/v1.
			name: "event v1",
			key:  "/registry/events/coverage/hpa2.18eb2de49c0c9ec7",
			patch: `{"apiVersion":"events.k8s.io/v1","regarding":{"kind":"Pod","name":"p"},"note":"hello","deprecatedCount":3,
				"deprecatedLastTimestamp":"` + ago(4*time.Minute) + `","reportingController":"kubelet","reportingInstance":"n1"}`,
			want: map[string]string{"OBJECT": "pod/p", "MESSAGE": "hello", "COUNT": "3", "LAST SEEN": "4m", "SOURCE": "kubelet, n1"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab := ForKind(fs.kind(t, tc.key), false)
			v := fs.patched(t, tc.key, tc.patch)
			if tc.name == "event v1" {
				v.APIVersion = "events.k8s.io/v1"
			}
			wantCells(t, tab, tab.Row(v, now), tc.want)
		})
	}
}
