package demo

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// appNames are the workloads of the application namespaces, by position.
var appNames = [][]string{
	{"web", "cart", "catalog", "checkout", "recommendations", "search-api", "images", "reviews"},
	{"gateway", "ledger", "fraud-check", "invoices", "refunds", "notifier", "reconciler", "webhooks"},
	{"prometheus", "alertmanager", "grafana", "kube-state-metrics", "blackbox-exporter", "pushgateway", "thanos-query", "karma"},
	{"loki", "loki-gateway", "vector-aggregator", "log-archiver", "kibana", "elastic-proxy", "curator", "fluentd"},
	{"keycloak", "oauth2-proxy", "token-service", "ldap-sync", "session-store", "mfa", "audit-api", "user-api"},
	{"indexer", "query-api", "crawler", "ranker", "suggest", "synonyms", "spellcheck", "click-analytics"},
}

// appsPerNamespace is the number of deployments per application
// namespace at scale 1.
const appsPerNamespace = 8

// pem returns a PEM block of kind around n random bytes: certificates and
// keys that only look the part.
func (b *builder) pem(kind string, n int) string {
	raw := make([]byte, n)
	for i := range raw {
		raw[i] = byte(b.rng.UintN(256))
	}
	body := base64.StdEncoding.EncodeToString(raw)
	var s strings.Builder
	s.WriteString("-----BEGIN " + kind + "-----\n")
	for len(body) > 64 {
		s.WriteString(body[:64] + "\n")
		body = body[64:]
	}
	s.WriteString(body + "\n-----END " + kind + "-----\n")
	return s.String()
}

// namespaceBasics writes what the controller manager puts in every
// namespace: the default ServiceAccount and the kube-root-ca.crt bundle.
func (b *builder) namespaceBasics(ctx context.Context, ns string) error {
	if err := b.serviceAccount(ctx, ns, "default"); err != nil {
		return err
	}
	created := b.tick(1e9)
	cm := &corev1.ConfigMap{ObjectMeta: b.meta(ns, "kube-root-ca.crt", created), Data: map[string]string{"ca.crt": b.pem("CERTIFICATE", 800)}}
	cm.Annotations = map[string]string{"kubernetes.io/description": "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."}
	cm.ManagedFields = []metav1.ManagedFieldsEntry{managed("kube-controller-manager", metav1.ManagedFieldsOperationUpdate, "v1", created,
		`{"f:data":{".":{},"f:ca.crt":{}},"f:metadata":{"f:annotations":{".":{},"f:kubernetes.io/description":{}}}}`, "")}
	return b.putProto(ctx, grConfigMaps, b.key("configmaps", ns, cm.Name), cm)
}

func (b *builder) serviceAccount(ctx context.Context, ns, name string) error {
	created := b.tick(1e9)
	sa := &corev1.ServiceAccount{ObjectMeta: b.meta(ns, name, created)}
	if name != "default" {
		sa.Labels = map[string]string{"app": name}
		sa.ManagedFields = []metav1.ManagedFieldsEntry{managed("kubectl-client-side-apply", metav1.ManagedFieldsOperationUpdate, "v1", created,
			`{"f:metadata":{"f:annotations":{".":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}},"f:labels":{".":{},"f:app":{}}}}`, "")}
	}
	return b.putProto(ctx, grServiceAccounts, b.key("serviceaccounts", ns, name), sa)
}

// controlPlane writes kube-system: the static control plane's mirror
// pods, kube-proxy on every node, CoreDNS behind kube-dns, and their
// configuration.
func (b *builder) controlPlane(ctx context.Context) error {
	const ns = "kube-system"
	cp := b.nodes[0]
	for _, name := range []string{"coredns", "kube-proxy"} {
		if err := b.serviceAccount(ctx, ns, name); err != nil {
			return err
		}
	}
	created := b.tick(1e9)
	corefile := &corev1.ConfigMap{ObjectMeta: b.meta(ns, "coredns", created), Data: map[string]string{"Corefile": `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
`}}
	corefile.ManagedFields = []metav1.ManagedFieldsEntry{managed("kubeadm", metav1.ManagedFieldsOperationUpdate, "v1", created, `{"f:data":{".":{},"f:Corefile":{}}}`, "")}
	if err := b.putProto(ctx, grConfigMaps, b.key("configmaps", ns, "coredns"), corefile); err != nil {
		return err
	}
	proxyConf := &corev1.ConfigMap{ObjectMeta: b.meta(ns, "kube-proxy", created), Data: map[string]string{
		"config.conf":     "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nclusterCIDR: 10.244.0.0/16\nmode: nftables\n",
		"kubeconfig.conf": "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    certificate-authority: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt\n    server: https://" + cp.ip + ":6443\n  name: default\n",
	}}
	proxyConf.Labels = map[string]string{"app": "kube-proxy"}
	proxyConf.ManagedFields = []metav1.ManagedFieldsEntry{managed("kubeadm", metav1.ManagedFieldsOperationUpdate, "v1", created,
		`{"f:data":{".":{},"f:config.conf":{},"f:kubeconfig.conf":{}},"f:metadata":{"f:labels":{".":{},"f:app":{}}}}`, "")}
	if err := b.putProto(ctx, grConfigMaps, b.key("configmaps", ns, "kube-proxy"), proxyConf); err != nil {
		return err
	}

	// Static pods: kubelet on the control plane node mirrors them.
	for _, c := range []struct{ name, image string }{
		{"etcd", "registry.k8s.io/etcd:3.7.3-0"},
		{"kube-apiserver", "registry.k8s.io/kube-apiserver:" + kubeletVersion},
		{"kube-controller-manager", "registry.k8s.io/kube-controller-manager:" + kubeletVersion},
		{"kube-scheduler", "registry.k8s.io/kube-scheduler:" + kubeletVersion},
	} {
		a := &app{ns: ns, name: c.name, image: c.image, port: 10257, portName: "probe-port", priority: "system-node-critical"}
		tmpl := a.template("")
		tmpl.Labels = map[string]string{"component": c.name, "tier": "control-plane"}
		tmpl.Annotations = map[string]string{"kubernetes.io/config.source": "file", "kubernetes.io/config.seen": b.at().UTC().Format("2006-01-02T15:04:05.000000000Z"), "kubernetes.io/config.mirror": hex64(b.rng)[:32]}
		tmpl.Spec.Containers[0].Env = nil
		tmpl.Spec.Containers[0].Command = []string{c.name}
		tmpl.Spec.HostNetwork = true
		tmpl.Spec.Tolerations = []corev1.Toleration{{Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}}
		if _, err := b.pod(ctx, ns, c.name+"-"+cp.name, tmpl, owner{"v1", "Node", cp.name, cp.uid}, cp, true); err != nil {
			return err
		}
	}

	// kube-proxy: a DaemonSet with one host-network pod per node.
	dsCreated := b.tick(10e9)
	proxy := &app{ns: ns, name: "kube-proxy", image: "registry.k8s.io/kube-proxy:" + kubeletVersion, port: 10256, portName: "healthz", sa: "kube-proxy", priority: "system-node-critical"}
	ds := &appsv1.DaemonSet{ObjectMeta: b.meta(ns, "kube-proxy", dsCreated)}
	ds.Generation = 1
	ds.Labels = map[string]string{"k8s-app": "kube-proxy"}
	ds.Annotations = map[string]string{"deprecated.daemonset.template.generation": "1"}
	tmpl := proxy.template("")
	tmpl.Labels = map[string]string{"k8s-app": "kube-proxy", "controller-revision-hash": b.suffix(10), "pod-template-generation": "1"}
	tmpl.Spec.Containers[0].Env = nil
	tmpl.Spec.Containers[0].Command = []string{"/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf", "--hostname-override=$(NODE_NAME)"}
	tmpl.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: ptr.To(true)}
	tmpl.Spec.HostNetwork = true
	tmpl.Spec.Tolerations = []corev1.Toleration{{Operator: corev1.TolerationOpExists}}
	n := int32(len(b.nodes))
	ds.Spec = appsv1.DaemonSetSpec{
		Selector:             &metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-proxy"}},
		Template:             tmpl,
		UpdateStrategy:       appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType, RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: ptr.To(intstr.FromInt32(1)), MaxSurge: ptr.To(intstr.FromInt32(0))}},
		RevisionHistoryLimit: ptr.To[int32](10),
	}
	ds.Status = appsv1.DaemonSetStatus{CurrentNumberScheduled: n, DesiredNumberScheduled: n, NumberReady: n, NumberAvailable: n, UpdatedNumberScheduled: n, ObservedGeneration: 1}
	ds.ManagedFields = []metav1.ManagedFieldsEntry{
		managed("kubeadm", metav1.ManagedFieldsOperationUpdate, "apps/v1", dsCreated, `{"f:metadata":{"f:labels":{".":{},"f:k8s-app":{}}},"f:spec":{"f:selector":{},"f:template":{"f:metadata":{"f:labels":{".":{},"f:k8s-app":{}}},"f:spec":{"f:containers":{},"f:hostNetwork":{}}},"f:updateStrategy":{}}}`, ""),
		managed("kube-controller-manager", metav1.ManagedFieldsOperationUpdate, "apps/v1", dsCreated, `{"f:status":{"f:currentNumberScheduled":{},"f:desiredNumberScheduled":{},"f:numberAvailable":{},"f:numberReady":{},"f:observedGeneration":{},"f:updatedNumberScheduled":{}}}`, "status"),
	}
	if err := b.putProto(ctx, grDaemonSets, b.key("daemonsets", ns, "kube-proxy"), ds); err != nil {
		return err
	}
	for _, nd := range b.nodes {
		if _, err := b.pod(ctx, ns, "kube-proxy-"+b.suffix(5), tmpl, owner{"apps/v1", "DaemonSet", "kube-proxy", ds.UID}, nd, true); err != nil {
			return err
		}
	}

	// CoreDNS, behind the kube-dns Service at its well-known address.
	dns := &app{ns: ns, name: "coredns", image: "registry.k8s.io/coredns/coredns:v1.12.1", port: 53, portName: "dns", replicas: 2, revision: 1,
		sa: "coredns", service: "", priority: "system-cluster-critical", labels: map[string]string{"k8s-app": "kube-dns"}}
	return b.deployWithService(ctx, dns, "kube-dns", 53)
}

// deployWithService deploys a and puts a Service named svc before it.
func (b *builder) deployWithService(ctx context.Context, a *app, svc string, port int32) error {
	a.service = svc
	a.svcPort = port
	return b.deploy(ctx, a)
}

// defaultNamespace writes the kubernetes Service the API server keeps, and
// a legacy ReplicationController with its pods (under "controllers").
func (b *builder) defaultNamespace(ctx context.Context) error {
	const ns = "default"
	if err := b.service(ctx, ns, "kubernetes", nil, "https", 443, 6443, nil); err != nil {
		return err
	}
	created := b.tick(600e9)
	a := &app{ns: ns, name: "legacy-nginx", image: "docker.io/library/nginx:1.27.5", port: 80, portName: "http", sa: "default"}
	tmpl := a.template("")
	tmpl.Spec.Containers[0].Env = nil
	rc := &corev1.ReplicationController{ObjectMeta: b.meta(ns, a.name, created)}
	rc.Generation = 1
	rc.Labels = map[string]string{"app": a.name}
	rc.Spec = corev1.ReplicationControllerSpec{Replicas: ptr.To[int32](2), Selector: map[string]string{"app": a.name}, Template: &tmpl}
	rc.Status = corev1.ReplicationControllerStatus{Replicas: 2, FullyLabeledReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 2, ObservedGeneration: 1}
	rc.ManagedFields = []metav1.ManagedFieldsEntry{
		managed("kubectl-create", metav1.ManagedFieldsOperationUpdate, "v1", created, `{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{}}}}}`, ""),
		managed("kube-controller-manager", metav1.ManagedFieldsOperationUpdate, "v1", created, `{"f:status":{"f:availableReplicas":{},"f:fullyLabeledReplicas":{},"f:observedGeneration":{},"f:readyReplicas":{},"f:replicas":{}}}`, "status"),
	}
	if err := b.putProto(ctx, grControllers, b.key("controllers", ns, a.name), rc); err != nil {
		return err
	}
	for range 2 {
		if _, err := b.pod(ctx, ns, a.name+"-"+b.suffix(5), tmpl, owner{"v1", "ReplicationController", a.name, rc.UID}, b.worker(), false); err != nil {
			return err
		}
	}
	return nil
}

// kubePublic writes the cluster-info ConfigMap bootstrap clients read.
func (b *builder) kubePublic(ctx context.Context) error {
	created := b.tick(1e9)
	ca := base64.StdEncoding.EncodeToString([]byte(b.pem("CERTIFICATE", 600)))
	cm := &corev1.ConfigMap{ObjectMeta: b.meta("kube-public", "cluster-info", created), Data: map[string]string{
		"kubeconfig": "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: " + ca + "\n    server: https://" + b.nodes[0].ip + ":6443\n  name: \"\"\ncontexts: null\ncurrent-context: \"\"\nkind: Config\npreferences: {}\nusers: null\n",
	}}
	cm.ManagedFields = []metav1.ManagedFieldsEntry{managed("kubeadm", metav1.ManagedFieldsOperationUpdate, "v1", created, `{"f:data":{".":{},"f:kubeconfig":{}}}`, "")}
	return b.putProto(ctx, grConfigMaps, b.key("configmaps", "kube-public", "cluster-info"), cm)
}

// appNamespace writes one application namespace: its workloads with their
// configuration and credentials, RBAC, an Ingress, and custom resources.
func (b *builder) appNamespace(ctx context.Context, ns string, index int) error {
	names := appNames[index%len(appNames)]
	var apps []*app
	for i := range appsPerNamespace * b.opts.Scale {
		name := names[i%len(names)]
		if i >= len(names) {
			name = fmt.Sprintf("%s-%d", name, i/len(names)+1)
		}
		version := fmt.Sprintf("%d.%d.%d", 1+b.rng.IntN(3), b.rng.IntN(20), b.rng.IntN(10))
		apps = append(apps, &app{
			ns: ns, name: name, image: "registry.demo.example.com/" + ns + "/" + name + ":" + version,
			port: 8080, portName: "http", replicas: int32(2 + b.rng.IntN(5)), revision: int64(1 + b.rng.IntN(3)),
			sa: name, sidecar: b.rng.IntN(3) == 0, service: name, svcPort: 80,
		})
	}
	for _, a := range apps {
		if err := b.serviceAccount(ctx, ns, a.sa); err != nil {
			return err
		}
		if err := b.appConfig(ctx, a); err != nil {
			return err
		}
		if err := b.appSecret(ctx, a); err != nil {
			return err
		}
		if err := b.deploy(ctx, a); err != nil {
			return err
		}
	}
	if err := b.namespaceSecrets(ctx, ns); err != nil {
		return err
	}
	if err := b.namespaceRBAC(ctx, ns, apps); err != nil {
		return err
	}
	if err := b.ingress(ctx, ns, apps[0]); err != nil {
		return err
	}
	if err := b.specialConfigMaps(ctx, ns, index); err != nil {
		return err
	}
	return b.databases(ctx, ns, apps)
}

func (b *builder) namespaceRBAC(ctx context.Context, ns string, apps []*app) error {
	created := b.tick(5e9)
	rbacManaged := func(t metav1.Time, f string) []metav1.ManagedFieldsEntry {
		return []metav1.ManagedFieldsEntry{managed("kubectl-client-side-apply", metav1.ManagedFieldsOperationUpdate, "rbac.authorization.k8s.io/v1", t, f, "")}
	}
	dev := &rbacv1.Role{ObjectMeta: b.meta(ns, "developer", created), Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"pods", "pods/log", "services", "configmaps", "events"}, Verbs: []string{"get", "list", "watch"}},
		{APIGroups: []string{"apps"}, Resources: []string{"deployments", "replicasets"}, Verbs: []string{"get", "list", "watch", "patch"}},
		{APIGroups: []string{""}, Resources: []string{"pods/portforward", "pods/exec"}, Verbs: []string{"create"}},
	}}
	dev.ManagedFields = rbacManaged(created, `{"f:metadata":{"f:annotations":{".":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}}},"f:rules":{}}`)
	reader := &rbacv1.Role{ObjectMeta: b.meta(ns, "config-reader", created), Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get", "list", "watch"}},
		{APIGroups: []string{""}, Resources: []string{"secrets"}, ResourceNames: []string{apps[0].name + "-credentials"}, Verbs: []string{"get"}},
	}}
	reader.ManagedFields = dev.ManagedFields
	for _, r := range []*rbacv1.Role{dev, reader} {
		if err := b.putProto(ctx, grRoles, b.key("roles", ns, r.Name), r); err != nil {
			return err
		}
	}
	devs := &rbacv1.RoleBinding{ObjectMeta: b.meta(ns, "developers", created),
		Subjects: []rbacv1.Subject{{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: "team-" + ns}},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "developer"}}
	devs.ManagedFields = rbacManaged(created, `{"f:metadata":{"f:annotations":{".":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}}},"f:roleRef":{},"f:subjects":{}}`)
	readers := &rbacv1.RoleBinding{ObjectMeta: b.meta(ns, "config-readers", created),
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "config-reader"}}
	for _, a := range apps {
		readers.Subjects = append(readers.Subjects, rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: a.sa, Namespace: ns})
	}
	readers.ManagedFields = devs.ManagedFields
	viewers := &rbacv1.RoleBinding{ObjectMeta: b.meta(ns, "oncall-view", created),
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "oncall@demo.example.com"}},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"}}
	viewers.ManagedFields = devs.ManagedFields
	for _, rb := range []*rbacv1.RoleBinding{devs, readers, viewers} {
		if err := b.putProto(ctx, grRoleBindings, b.key("rolebindings", ns, rb.Name), rb); err != nil {
			return err
		}
	}
	return nil
}

// ingress writes the namespace's Ingress (under "ingress", singular, as
// the API server has always kept it).
func (b *builder) ingress(ctx context.Context, ns string, front *app) error {
	created := b.tick(5e9)
	host := ns + ".demo.example.com"
	prefix := networkingv1.PathTypePrefix
	ing := &networkingv1.Ingress{ObjectMeta: b.meta(ns, front.name, created)}
	ing.Generation = 1
	ing.Annotations = map[string]string{"cert-manager.io/cluster-issuer": "letsencrypt", "nginx.ingress.kubernetes.io/proxy-body-size": "8m"}
	ing.Spec = networkingv1.IngressSpec{
		IngressClassName: ptr.To("nginx"),
		TLS:              []networkingv1.IngressTLS{{Hosts: []string{host}, SecretName: ns + "-tls"}},
		Rules: []networkingv1.IngressRule{{Host: host, IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
			Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: &prefix, Backend: networkingv1.IngressBackend{
				Service: &networkingv1.IngressServiceBackend{Name: front.service, Port: networkingv1.ServiceBackendPort{Number: front.svcPort}}}}},
		}}}},
	}
	ing.Status.LoadBalancer.Ingress = []networkingv1.IngressLoadBalancerIngress{{IP: "203.0.113.10"}}
	ing.ManagedFields = []metav1.ManagedFieldsEntry{
		managed("kubectl-client-side-apply", metav1.ManagedFieldsOperationUpdate, "networking.k8s.io/v1", created, `{"f:metadata":{"f:annotations":{".":{},"f:cert-manager.io/cluster-issuer":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}}},"f:spec":{"f:ingressClassName":{},"f:rules":{},"f:tls":{}}}`, ""),
		managed("nginx-ingress-controller", metav1.ManagedFieldsOperationUpdate, "networking.k8s.io/v1", created, `{"f:status":{"f:loadBalancer":{"f:ingress":{}}}}`, "status"),
	}
	return b.putProto(ctx, grIngresses, b.key("ingress", ns, ing.Name), ing)
}

// lastApplied is the annotation kubectl apply leaves, the object as the
// user wrote it (Secret data included, in the clear).
func lastApplied(obj map[string]any) string {
	b, err := json.Marshal(obj)
	if err != nil {
		return "{}"
	}
	return string(b) + "\n"
}
