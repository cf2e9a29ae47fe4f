package columns

import (
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/etcdscope/etcdscope/decode"
)

type serviceDoc struct {
	Metadata objMeta              `json:"metadata"`
	Spec     corev1.ServiceSpec   `json:"spec"`
	Status   corev1.ServiceStatus `json:"status"`
}

var servicePrinter = printer{
	cols: []Column{
		col("TYPE", Text, 12, keyPriority),
		col("CLUSTER-IP", Text, 15, importantPriority),
		col("EXTERNAL-IP", Text, 16, importantPriority),
		col("PORT(S)", Text, 24, importantPriority),
		wide("SELECTOR", Text, 30),
	},
	row: typed(func(d *serviceDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = textCell(string(d.Spec.Type))
		out[1] = missingCell("<none>")
		if len(d.Spec.ClusterIPs) > 0 {
			out[1] = textCell(d.Spec.ClusterIPs[0])
		}
		out[2] = serviceExternalIP(d)
		out[3] = noneIfEmpty(servicePorts(d.Spec.Ports))
		out[4] = textCell(labels.FormatLabels(d.Spec.Selector))
		return d.Metadata.created()
	}),
}

// serviceExternalIP is EXTERNAL-IP as kubectl derives it from the type:
// the external IPs for ClusterIP and NodePort services, the load
// balancer's addresses (then the external IPs) or <pending>, the external
// name.
func serviceExternalIP(d *serviceDoc) Cell {
	ext := d.Spec.ExternalIPs
	switch d.Spec.Type {
	case corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort:
		if len(ext) > 0 {
			return textCell(strings.Join(ext, ","))
		}
		return missingCell("<none>")
	case corev1.ServiceTypeLoadBalancer:
		lb := loadBalancerAddresses(d.Status.LoadBalancer.Ingress)
		all := append(lb, ext...)
		if len(all) == 0 {
			return missingCell("<pending>")
		}
		return textCell(strings.Join(all, ","))
	case corev1.ServiceTypeExternalName:
		return textCell(d.Spec.ExternalName)
	}
	return missingCell("<unknown>")
}

// loadBalancerAddresses are a load balancer's ingress points, each by its
// IP or else its host name, sorted and without repeats (Services and
// Ingresses have their own types for them).
func loadBalancerAddresses[T corev1.LoadBalancerIngress | networkingv1.IngressLoadBalancerIngress](ing []T) []string {
	seen := map[string]bool{}
	var out []string
	for _, i := range ing {
		var ip, host string
		switch i := any(i).(type) {
		case corev1.LoadBalancerIngress:
			ip, host = i.IP, i.Hostname
		case networkingv1.IngressLoadBalancerIngress:
			ip, host = i.IP, i.Hostname
		}
		a := ip
		if a == "" {
			a = host
		}
		if a != "" && !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out
}

// servicePorts is PORT(S): port/protocol, port:nodePort/protocol.
func servicePorts(ports []corev1.ServicePort) string {
	parts := make([]string, len(ports))
	for i, p := range ports {
		s := strconv.Itoa(int(p.Port))
		if p.NodePort > 0 {
			s += ":" + strconv.Itoa(int(p.NodePort))
		}
		parts[i] = s + "/" + string(p.Protocol)
	}
	return strings.Join(parts, ",")
}

// endpointsDoc reads v1 Endpoints, deprecated for EndpointSlices since
// 1.33 but still stored (services/endpoints, the master leases).
type endpointsDoc struct {
	Metadata objMeta `json:"metadata"`
	//lint:ignore SA1019 Endpoints are deprecated, not gone from etcd.
	Subsets []corev1.EndpointSubset `json:"subsets"`
}

var endpointsPrinter = printer{
	cols: []Column{col("ENDPOINTS", Text, 40, importantPriority)},
	row: typed(func(d *endpointsDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		// ip:port for every address and port (bare IPs for a subset
		// without ports), the first three and how many more.
		var list []string
		for _, ss := range d.Subsets {
			if len(ss.Ports) == 0 {
				for _, a := range ss.Addresses {
					list = append(list, a.IP)
				}
				continue
			}
			for _, p := range ss.Ports {
				for _, a := range ss.Addresses {
					list = append(list, net.JoinHostPort(a.IP, strconv.Itoa(int(p.Port))))
				}
			}
		}
		out[0] = listWithMore(list, 3, "<none>")
		return d.Metadata.created()
	}),
}

type endpointSliceDoc struct {
	Metadata    objMeta                    `json:"metadata"`
	AddressType discoveryv1.AddressType    `json:"addressType"`
	Endpoints   []discoveryv1.Endpoint     `json:"endpoints"`
	Ports       []discoveryv1.EndpointPort `json:"ports"`
}

var endpointSlicePrinter = printer{
	cols: []Column{
		col("ADDRESSTYPE", Text, 11, importantPriority),
		col("PORTS", Text, 20, importantPriority),
		col("ENDPOINTS", Text, 40, importantPriority),
	},
	row: typed(func(d *endpointSliceDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = textCell(string(d.AddressType))
		ports := make([]string, len(d.Ports))
		for i, p := range d.Ports {
			switch {
			case p.Port != nil:
				ports[i] = strconv.Itoa(int(*p.Port))
			case p.Name != nil:
				ports[i] = *p.Name
			default:
				ports[i] = "*"
			}
		}
		out[1] = listWithMore(ports, 3, "<unset>")
		var addrs []string
		for _, e := range d.Endpoints {
			addrs = append(addrs, e.Addresses...)
		}
		out[2] = listWithMore(addrs, 3, "<unset>")
		return d.Metadata.created()
	}),
}

type ingressDoc struct {
	Metadata objMeta                    `json:"metadata"`
	Spec     networkingv1.IngressSpec   `json:"spec"`
	Status   networkingv1.IngressStatus `json:"status"`
}

var ingressPrinter = printer{
	cols: []Column{
		col("CLASS", Text, 12, importantPriority),
		col("HOSTS", Text, 30, keyPriority),
		col("ADDRESS", Text, 16, importantPriority),
		col("PORTS", Text, 7, importantPriority),
	},
	row: typed(func(d *ingressDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = missingCell("<none>")
		if c := d.Spec.IngressClassName; c != nil {
			out[0] = textCell(*c)
		}
		// HOSTS: the rules' hosts, * when none has one; past three, how
		// many rules more.
		var hosts []string
		for _, r := range d.Spec.Rules {
			if len(hosts) < 3 && r.Host != "" {
				hosts = append(hosts, r.Host)
			}
		}
		switch {
		case len(hosts) == 0:
			out[1] = textCell("*")
		case len(d.Spec.Rules) > 3:
			out[1] = textCell(strings.Join(hosts, ",") + " + " + strconv.Itoa(len(d.Spec.Rules)-3) + " more...")
		default:
			out[1] = textCell(strings.Join(hosts, ","))
		}
		out[2] = textCell(strings.Join(loadBalancerAddresses(d.Status.LoadBalancer.Ingress), ","))
		out[3] = textCell("80")
		if len(d.Spec.TLS) > 0 {
			out[3] = textCell("80, 443")
		}
		return d.Metadata.created()
	}),
}

type ingressClassDoc struct {
	Metadata objMeta                       `json:"metadata"`
	Spec     networkingv1.IngressClassSpec `json:"spec"`
}

var ingressClassPrinter = printer{
	cols: []Column{
		col("CONTROLLER", Text, 30, importantPriority),
		col("PARAMETERS", Text, 30, extraPriority),
	},
	row: typed(func(d *ingressClassDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = textCell(d.Spec.Controller)
		out[1] = missingCell("<none>")
		if p := d.Spec.Parameters; p != nil {
			s := p.Kind
			if p.APIGroup != nil {
				s += "." + *p.APIGroup
			}
			out[1] = textCell(s + "/" + p.Name)
		}
		return d.Metadata.created()
	}),
}

type networkPolicyDoc struct {
	Metadata objMeta                        `json:"metadata"`
	Spec     networkingv1.NetworkPolicySpec `json:"spec"`
}

var networkPolicyPrinter = printer{
	cols: []Column{col("POD-SELECTOR", Text, 30, importantPriority)},
	row: typed(func(d *networkPolicyDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = selectorCell(&d.Spec.PodSelector)
		return d.Metadata.created()
	}),
}

type serviceCIDRDoc struct {
	Metadata objMeta                      `json:"metadata"`
	Spec     networkingv1.ServiceCIDRSpec `json:"spec"`
}

var serviceCIDRPrinter = printer{
	cols: []Column{col("CIDRS", Text, 30, importantPriority)},
	row: typed(func(d *serviceCIDRDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = textCell(strings.Join(d.Spec.CIDRs, ","))
		return d.Metadata.created()
	}),
}

type ipAddressDoc struct {
	Metadata objMeta                    `json:"metadata"`
	Spec     networkingv1.IPAddressSpec `json:"spec"`
}

var ipAddressPrinter = printer{
	cols: []Column{col("PARENTREF", Text, 40, importantPriority)},
	row: typed(func(d *ipAddressDoc, _ decode.Value, _ time.Time, out []Cell) time.Time {
		out[0] = missingCell("<none>")
		if p := d.Spec.ParentRef; p != nil {
			// kubectl: resource.group, then namespace and name.
			s := p.Resource
			if p.Group != "" {
				s += "." + p.Group
			}
			s = strings.ToLower(s)
			if p.Namespace != "" {
				s += "/" + p.Namespace
			}
			out[0] = textCell(s + "/" + p.Name)
		}
		return d.Metadata.created()
	}),
}
