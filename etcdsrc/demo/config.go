package demo

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// largeConfigMapSize is roughly the size of the one large ConfigMap, a
// quarter of etcd's default request limit: big enough to show in stats.
const largeConfigMapSize = 384 << 10

const passwordChars = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

func (b *builder) password(n int) string {
	p := make([]byte, n)
	for i := range p {
		p[i] = passwordChars[b.rng.IntN(len(passwordChars))]
	}
	return string(p)
}

// applied returns the managedFields kubectl apply leaves on an object
// whose top-level fields are fields.
func applied(apiVersion string, t metav1.Time, fields string) []metav1.ManagedFieldsEntry {
	return []metav1.ManagedFieldsEntry{managed("kubectl-client-side-apply", metav1.ManagedFieldsOperationUpdate, apiVersion, t,
		`{`+fields+`,"f:metadata":{"f:annotations":{".":{},"f:kubectl.kubernetes.io/last-applied-configuration":{}},"f:labels":{".":{},"f:app":{}}}}`, "")}
}

// appConfig writes an app's ConfigMap, applied with kubectl.
func (b *builder) appConfig(ctx context.Context, a *app) error {
	created := b.tick(5e9)
	cm := &corev1.ConfigMap{ObjectMeta: b.meta(a.ns, a.name+"-config", created)}
	cm.Labels = map[string]string{"app": a.name}
	level := pick(b.rng, []string{"info", "info", "info", "debug", "warn"})
	cm.Data = map[string]string{
		"LOG_LEVEL": level,
		"application.yaml": fmt.Sprintf("server:\n  port: %d\n  shutdownTimeout: 25s\nlogging:\n  level: %s\n  format: json\nfeatures:\n  newCheckout: %t\n  cacheTTLSeconds: %d\nupstreams:\n  - name: %s\n    url: http://%s.%s.svc.cluster.local\n",
			a.port, level, b.rng.IntN(2) == 0, 30*(1+b.rng.IntN(10)), a.name, a.name, a.ns),
	}
	cm.Annotations = map[string]string{"kubectl.kubernetes.io/last-applied-configuration": lastApplied(map[string]any{
		"apiVersion": "v1", "kind": "ConfigMap", "data": cm.Data,
		"metadata": map[string]any{"annotations": map[string]any{}, "labels": cm.Labels, "name": cm.Name, "namespace": cm.Namespace},
	})}
	cm.ManagedFields = applied("v1", created, `"f:data":{".":{},"f:LOG_LEVEL":{},"f:application.yaml":{}}`)
	return b.putProto(ctx, grConfigMaps, b.key("configmaps", a.ns, cm.Name), cm)
}

// appSecret writes an app's Opaque credentials, applied with kubectl: the
// last-applied annotation carries the data too, as it does in real
// clusters.
func (b *builder) appSecret(ctx context.Context, a *app) error {
	created := b.tick(5e9)
	s := &corev1.Secret{ObjectMeta: b.meta(a.ns, a.name+"-credentials", created), Type: corev1.SecretTypeOpaque}
	s.Labels = map[string]string{"app": a.name}
	s.Data = map[string][]byte{
		"username":  []byte(a.name),
		"password":  []byte(b.password(24)),
		"api-token": []byte("tok_" + b.password(36)),
	}
	enc := map[string]any{}
	for k, v := range s.Data {
		enc[k] = base64.StdEncoding.EncodeToString(v)
	}
	s.Annotations = map[string]string{"kubectl.kubernetes.io/last-applied-configuration": lastApplied(map[string]any{
		"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "data": enc,
		"metadata": map[string]any{"annotations": map[string]any{}, "labels": s.Labels, "name": s.Name, "namespace": s.Namespace},
	})}
	s.ManagedFields = applied("v1", created, `"f:data":{".":{},"f:api-token":{},"f:password":{},"f:username":{}},"f:type":{}`)
	return b.putSecret(ctx, b.key("secrets", a.ns, s.Name), s)
}

// namespaceSecrets writes the namespace's TLS certificate (as cert-manager
// issues it) and its image pull credentials.
func (b *builder) namespaceSecrets(ctx context.Context, ns string) error {
	created := b.tick(5e9)
	tls := &corev1.Secret{ObjectMeta: b.meta(ns, ns+"-tls", created), Type: corev1.SecretTypeTLS}
	tls.Labels = map[string]string{"controller.cert-manager.io/fao": "true"}
	tls.Annotations = map[string]string{
		"cert-manager.io/alt-names":        ns + ".demo.example.com",
		"cert-manager.io/certificate-name": ns + "-tls",
		"cert-manager.io/common-name":      ns + ".demo.example.com",
		"cert-manager.io/issuer-kind":      "ClusterIssuer",
		"cert-manager.io/issuer-name":      "letsencrypt",
	}
	tls.Data = map[string][]byte{
		corev1.TLSCertKey:       []byte(b.pem("CERTIFICATE", 900) + b.pem("CERTIFICATE", 1000)),
		corev1.TLSPrivateKeyKey: []byte(b.pem("EC PRIVATE KEY", 121)),
	}
	tls.ManagedFields = []metav1.ManagedFieldsEntry{managed("cert-manager-certificates-issuing", metav1.ManagedFieldsOperationApply, "v1", created,
		`{"f:data":{".":{},"f:tls.crt":{},"f:tls.key":{}},"f:metadata":{"f:annotations":{"f:cert-manager.io/alt-names":{},"f:cert-manager.io/certificate-name":{},"f:cert-manager.io/common-name":{},"f:cert-manager.io/issuer-kind":{},"f:cert-manager.io/issuer-name":{}},"f:labels":{"f:controller.cert-manager.io/fao":{}}},"f:type":{}}`, "")}
	if err := b.putSecret(ctx, b.key("secrets", ns, tls.Name), tls); err != nil {
		return err
	}

	user, pass := "robot$"+ns, b.password(32)
	cfg, err := json.Marshal(map[string]any{"auths": map[string]any{"registry.demo.example.com": map[string]string{
		"username": user, "password": pass, "auth": base64.StdEncoding.EncodeToString([]byte(user + ":" + pass)),
	}}})
	if err != nil {
		return fmt.Errorf("docker config for %s: %w", ns, err)
	}
	pull := &corev1.Secret{ObjectMeta: b.meta(ns, "registry-pull", created), Type: corev1.SecretTypeDockerConfigJson,
		Data: map[string][]byte{corev1.DockerConfigJsonKey: cfg}}
	pull.ManagedFields = []metav1.ManagedFieldsEntry{managed("kubectl-create", metav1.ManagedFieldsOperationUpdate, "v1", created,
		`{"f:data":{".":{},"f:.dockerconfigjson":{}},"f:type":{}}`, "")}
	return b.putSecret(ctx, b.key("secrets", ns, pull.Name), pull)
}

// specialConfigMaps writes the odd ones: translations in many scripts and
// binaryData in the first application namespace, and one large ConfigMap.
func (b *builder) specialConfigMaps(ctx context.Context, ns string, index int) error {
	if index == 0 {
		created := b.tick(5e9)
		i18n := &corev1.ConfigMap{ObjectMeta: b.meta(ns, "storefront-i18n", created), Data: map[string]string{
			"de.properties": "greeting=Grüß Gott! Schön, dass Sie da sind.\ncart.empty=Ihr Warenkorb ist leer.\n",
			"el.properties": "greeting=Καλώς ήρθατε στο κατάστημά μας!\ncart.empty=Το καλάθι σας είναι άδειο.\n",
			"ja.properties": "greeting=いらっしゃいませ！\ncart.empty=カートは空です。\n",
			"ar.properties": "greeting=!أهلاً وسهلاً\ncart.empty=سلة التسوق فارغة.\n",
			"uk.properties": "greeting=Ласкаво просимо!\ncart.empty=Ваш кошик порожній.\n",
			"emoji.txt":     "🛒 cart · 💳 pay · 📦 ship · ✅ done · 👩🏽‍💻 support\n",
		}}
		i18n.ManagedFields = []metav1.ManagedFieldsEntry{managed("kubectl-create", metav1.ManagedFieldsOperationUpdate, "v1", created,
			`{"f:data":{".":{},"f:ar.properties":{},"f:de.properties":{},"f:el.properties":{},"f:emoji.txt":{},"f:ja.properties":{},"f:uk.properties":{}}}`, "")}
		if err := b.putProto(ctx, grConfigMaps, b.key("configmaps", ns, i18n.Name), i18n); err != nil {
			return err
		}
		// A PNG signature and header, then noise: real binaryData.
		logo := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x40\x00\x00\x00\x40\x08\x06\x00\x00\x00")
		for range 2048 {
			logo = append(logo, byte(b.rng.UintN(256)))
		}
		favicon := make([]byte, 318)
		for i := range favicon {
			favicon[i] = byte(b.rng.UintN(256))
		}
		assets := &corev1.ConfigMap{ObjectMeta: b.meta(ns, "brand-assets", created),
			Data:       map[string]string{"colors.css": ":root { --brand: #0b6e4f; --accent: #f2a541; }\n"},
			BinaryData: map[string][]byte{"logo.png": logo, "favicon.ico": favicon}}
		assets.ManagedFields = []metav1.ManagedFieldsEntry{managed("kubectl-create", metav1.ManagedFieldsOperationUpdate, "v1", created,
			`{"f:binaryData":{".":{},"f:favicon.ico":{},"f:logo.png":{}},"f:data":{".":{},"f:colors.css":{}}}`, "")}
		if err := b.putProto(ctx, grConfigMaps, b.key("configmaps", ns, assets.Name), assets); err != nil {
			return err
		}
	}
	if index != min(2, b.opts.Namespaces-len(systemNamespaces)-1) {
		return nil
	}
	created := b.tick(5e9)
	dash := &corev1.ConfigMap{ObjectMeta: b.meta(ns, "grafana-dashboards", created), Data: map[string]string{}}
	dash.Labels = map[string]string{"grafana_dashboard": "1"}
	size := 0
	for i := 0; size < largeConfigMapSize; i++ {
		d := b.dashboard(i)
		dash.Data[fmt.Sprintf("dashboard-%02d.json", i)] = d
		size += len(d)
	}
	dash.ManagedFields = []metav1.ManagedFieldsEntry{managed("grafana-operator", metav1.ManagedFieldsOperationApply, "v1", created,
		`{"f:data":{},"f:metadata":{"f:labels":{"f:grafana_dashboard":{}}}}`, "")}
	return b.putProto(ctx, grConfigMaps, b.key("configmaps", ns, dash.Name), dash)
}

// dashboard is one Grafana dashboard document of about 30 KB.
func (b *builder) dashboard(i int) string {
	metrics := []string{"http_requests_total", "http_request_duration_seconds_bucket", "container_cpu_usage_seconds_total", "container_memory_working_set_bytes", "kube_pod_container_status_restarts_total", "node_filesystem_avail_bytes"}
	var panels []map[string]any
	for p := range 60 {
		m := pick(b.rng, metrics)
		panels = append(panels, map[string]any{
			"id": p + 1, "type": "timeseries", "title": fmt.Sprintf("%s by pod (%d)", m, p),
			"gridPos":     map[string]int{"h": 8, "w": 12, "x": 12 * (p % 2), "y": 8 * (p / 2)},
			"datasource":  map[string]string{"type": "prometheus", "uid": "prometheus"},
			"targets":     []map[string]any{{"refId": "A", "expr": fmt.Sprintf(`sum by (pod) (rate(%s{namespace=~"$namespace", pod=~"$pod"}[$__rate_interval]))`, m), "legendFormat": "{{pod}}"}},
			"fieldConfig": map[string]any{"defaults": map[string]any{"unit": pick(b.rng, []string{"reqps", "s", "bytes", "percentunit"}), "thresholds": map[string]any{"mode": "absolute", "steps": []map[string]any{{"color": "green", "value": nil}, {"color": "red", "value": 80}}}}},
		})
	}
	doc, err := json.MarshalIndent(map[string]any{"title": fmt.Sprintf("Service overview %d", i+1), "uid": b.suffix(9), "schemaVersion": 39, "panels": panels,
		"templating": map[string]any{"list": []map[string]string{{"name": "namespace", "type": "query"}, {"name": "pod", "type": "query"}}}}, "", "  ")
	if err != nil {
		return "{}"
	}
	return string(doc)
}
