package demo

//lint:file-ignore SA1019 core/v1 Endpoints are deprecated since 1.33 in favour of EndpointSlices, yet kube-controller-manager still writes them and a live cluster holds them.

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// endpoints builds the core/v1 Endpoints of a Service as the endpoints
// controller mirrors them (ready and not-ready pods apart), or, for the
// kubernetes Service, as the API server keeps them: apiserverIP alone.
func endpoints(meta metav1.ObjectMeta, portName string, port int32, pods []*corev1.Pod, apiserverIP string) *corev1.Endpoints {
	subset := corev1.EndpointSubset{Ports: []corev1.EndpointPort{{Name: portName, Port: port, Protocol: corev1.ProtocolTCP}}}
	for _, p := range pods {
		addr := corev1.EndpointAddress{IP: p.Status.PodIP, NodeName: ptr.To(p.Spec.NodeName), TargetRef: ptr.To(podRef(p, ""))}
		if p.Status.ContainerStatuses[0].Ready {
			subset.Addresses = append(subset.Addresses, addr)
		} else {
			subset.NotReadyAddresses = append(subset.NotReadyAddresses, addr)
		}
	}
	manager, fields := "kube-controller-manager", `{"f:metadata":{"f:annotations":{".":{},"f:endpoints.kubernetes.io/last-change-trigger-time":{}},"f:labels":{".":{},"f:app":{}}},"f:subsets":{}}`
	if apiserverIP != "" {
		subset.Addresses = []corev1.EndpointAddress{{IP: apiserverIP}}
		manager, fields = "kube-apiserver", `{"f:metadata":{"f:labels":{".":{},"f:endpointslice.kubernetes.io/skip-mirror":{}}},"f:subsets":{}}`
	}
	meta.ManagedFields = []metav1.ManagedFieldsEntry{managed(manager, metav1.ManagedFieldsOperationUpdate, "v1", meta.CreationTimestamp, fields, "")}
	return &corev1.Endpoints{ObjectMeta: meta, Subsets: []corev1.EndpointSubset{subset}}
}
