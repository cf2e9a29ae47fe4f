package main

import (
	"fmt"
	"os"
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// apiserverManifest is what kube-apiserver's static Pod manifest says of
// its etcd: the flags of its command line that etcdscope's own flags
// mirror.
type apiserverManifest struct {
	path             string
	endpoints        []string // --etcd-servers
	caFile           string   // --etcd-cafile
	certFile         string   // --etcd-certfile
	keyFile          string   // --etcd-keyfile
	prefix           string   // --etcd-prefix
	encryptionConfig string   // --encryption-provider-config
}

// readAPIServerManifest reads a static Pod manifest such as kubeadm's
// /etc/kubernetes/manifests/kube-apiserver.yaml with the real Pod type,
// and the etcd flags of its kube-apiserver container's command and args
// (--flag=value and --flag value alike).
func readAPIServerManifest(file string) (*apiserverManifest, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read the kube-apiserver manifest: %w", err)
	}
	var pod corev1.Pod
	if err := yaml.Unmarshal(b, &pod); err != nil {
		return nil, fmt.Errorf("read the kube-apiserver manifest %s: not a Pod manifest: %w", file, err)
	}
	if pod.Kind != "Pod" {
		return nil, fmt.Errorf("read the kube-apiserver manifest %s: it holds a %q, not a Pod", file, pod.Kind)
	}
	c := apiserverContainer(pod.Spec.Containers)
	if c == nil {
		return nil, fmt.Errorf("read the kube-apiserver manifest %s: no kube-apiserver container in it", file)
	}
	m := &apiserverManifest{path: file}
	flags := commandFlags(append(append([]string{}, c.Command...), c.Args...))
	for _, e := range strings.Split(flags["etcd-servers"], ",") {
		if e = strings.TrimSpace(e); e != "" {
			m.endpoints = append(m.endpoints, e)
		}
	}
	if len(m.endpoints) == 0 {
		return nil, fmt.Errorf("read the kube-apiserver manifest %s: its kube-apiserver has no --etcd-servers", file)
	}
	m.caFile, m.certFile, m.keyFile = flags["etcd-cafile"], flags["etcd-certfile"], flags["etcd-keyfile"]
	m.prefix, m.encryptionConfig = flags["etcd-prefix"], flags["encryption-provider-config"]
	if m.prefix != "" && !strings.HasPrefix(m.prefix, "/") {
		// kube-apiserver joins its prefix to "/".
		m.prefix = path.Join("/", m.prefix)
	}
	return m, nil
}

// apiserverContainer is the container named kube-apiserver, else the one
// whose command runs kube-apiserver, else the only one.
func apiserverContainer(cs []corev1.Container) *corev1.Container {
	for i := range cs {
		if cs[i].Name == "kube-apiserver" {
			return &cs[i]
		}
	}
	for i := range cs {
		if len(cs[i].Command) > 0 && path.Base(cs[i].Command[0]) == "kube-apiserver" {
			return &cs[i]
		}
	}
	if len(cs) == 1 {
		return &cs[0]
	}
	return nil
}

// commandFlags reads the --name=value and --name value flags of a
// command line; for a flag given twice the last one counts, as for
// kube-apiserver's own flags.
func commandFlags(argv []string) map[string]string {
	flags := map[string]string{}
	for i := 0; i < len(argv); i++ {
		name, ok := strings.CutPrefix(argv[i], "--")
		if !ok || name == "" {
			continue
		}
		if n, v, eq := strings.Cut(name, "="); eq {
			flags[n] = v
			continue
		}
		if i+1 < len(argv) && !strings.HasPrefix(argv[i+1], "-") {
			flags[name] = argv[i+1]
			i++
			continue
		}
		flags[name] = "true"
	}
	return flags
}

// summary names what the manifest sets, as etcdscope's flags.
func (m *apiserverManifest) summary() string {
	parts := []string{"--endpoints " + strings.Join(m.endpoints, ",")}
	for _, f := range []struct{ flag, v string }{
		{"--cacert", m.caFile}, {"--cert", m.certFile}, {"--key", m.keyFile},
		{"--prefix-root", m.prefix}, {"--encryption-config", m.encryptionConfig},
	} {
		if f.v != "" {
			parts = append(parts, f.flag+" "+f.v)
		}
	}
	return strings.Join(parts, " ")
}
