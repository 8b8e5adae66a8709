package main

import (
	"context"
	"fmt"
	"log"
	"net/url"
	"os"
	"runtime"
	"strings"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
)

// gpuResource is the extended resource the NVIDIA device plugin advertises.
const gpuResource corev1.ResourceName = "nvidia.com/gpu"

// kubeletVersion is what the node reports; it matches the control plane it is built with.
var kubeletVersion = "v1.36.3"

func hostPort(server string) (string, string, error) {
	u, err := url.Parse(server)
	if err != nil {
		return "", "", err
	}
	port := u.Port()
	if port == "" {
		port = "443"
	}
	return u.Hostname(), port, nil
}

func (k *kubelet) nodeStatus(logPort int) corev1.NodeStatus {
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:              resource.MustParse(k.cfg.cpu),
		corev1.ResourceMemory:           resource.MustParse(k.cfg.memory),
		corev1.ResourcePods:             resource.MustParse("110"),
		corev1.ResourceEphemeralStorage: resource.MustParse("100Gi"),
	}
	if k.cfg.gpus > 0 {
		capacity[gpuResource] = *resource.NewQuantity(k.cfg.gpus, resource.DecimalSI)
	}
	now := metav1.Now()
	cond := func(t corev1.NodeConditionType, s corev1.ConditionStatus, reason, msg string) corev1.NodeCondition {
		return corev1.NodeCondition{Type: t, Status: s, Reason: reason, Message: msg, LastHeartbeatTime: now, LastTransitionTime: now}
	}
	return corev1.NodeStatus{
		Capacity:    capacity,
		Allocatable: capacity.DeepCopy(),
		Phase:       corev1.NodeRunning,
		Conditions: []corev1.NodeCondition{
			cond(corev1.NodeMemoryPressure, corev1.ConditionFalse, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
			cond(corev1.NodeDiskPressure, corev1.ConditionFalse, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
			cond(corev1.NodePIDPressure, corev1.ConditionFalse, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
			cond(corev1.NodeReady, corev1.ConditionTrue, "KubeletReady", "process kubelet is posting ready status"),
		},
		Addresses:       []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: int32(logPort)}},
		NodeInfo: corev1.NodeSystemInfo{
			KubeletVersion:          kubeletVersion,
			OperatingSystem:         "linux",
			Architecture:            runtime.GOARCH,
			ContainerRuntimeVersion: "process://rwenas-process-kubelet",
			OSImage:                 "rwenas process kubelet (pods run as local processes)",
			KernelVersion:           kernelVersion(),
		},
	}
}

// registerNode creates the Node (or takes over one left by an earlier run) with fresh status.
func (k *kubelet) registerNode(ctx context.Context, name string, logPort int) error {
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
			"kubernetes.io/hostname":     name,
			"kubernetes.io/os":           "linux",
			"kubernetes.io/arch":         runtime.GOARCH,
			"rwenas.dev/process-kubelet": "true",
		}},
		Status: k.nodeStatus(logPort),
	}
	if k.cfg.gpus > 0 {
		node.Labels["nvidia.com/gpu.present"] = "true"
	}
	if _, err := k.client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := k.client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		cur.Status = k.nodeStatus(logPort)
		_, err = k.client.CoreV1().Nodes().UpdateStatus(ctx, cur, metav1.UpdateOptions{})
		return err
	})
}

// heartbeat renews the node's Lease every 10 s (what the node lifecycle controller watches) and
// refreshes the Ready condition's heartbeat every 30 s.
func (k *kubelet) heartbeat(ctx context.Context, name string) {
	leases := k.client.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	tick := time.NewTicker(10 * time.Second)
	defer tick.Stop()
	lastStatus := time.Now()
	for {
		now := metav1.NewMicroTime(time.Now())
		lease, err := leases.Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			node, nerr := k.client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
			if nerr == nil {
				lease = &coordinationv1.Lease{
					ObjectMeta: metav1.ObjectMeta{Name: name, OwnerReferences: []metav1.OwnerReference{{
						APIVersion: "v1", Kind: "Node", Name: name, UID: node.UID}}},
					Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To(name), LeaseDurationSeconds: ptr.To[int32](40), RenewTime: &now},
				}
				_, err = leases.Create(ctx, lease, metav1.CreateOptions{})
			}
		} else if err == nil {
			lease.Spec.RenewTime = &now
			_, err = leases.Update(ctx, lease, metav1.UpdateOptions{})
		}
		if err != nil && ctx.Err() == nil {
			log.Printf("node %s: lease: %v", name, err)
		}
		if time.Since(lastStatus) >= 30*time.Second {
			lastStatus = time.Now()
			patch := fmt.Sprintf(`{"status":{"conditions":[{"type":"Ready","status":"True","reason":"KubeletReady","message":"process kubelet is posting ready status","lastHeartbeatTime":%q}]}}`,
				time.Now().UTC().Format(time.RFC3339))
			if _, err := k.client.CoreV1().Nodes().PatchStatus(ctx, name, []byte(patch)); err != nil && ctx.Err() == nil {
				log.Printf("node %s: status: %v", name, err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// removePod deletes a terminated pod object with grace 0, as the kubelet does once its
// containers are gone; the UID precondition spares a new pod of the same name.
func (k *kubelet) removePod(ctx context.Context, pod *corev1.Pod) {
	err := k.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: ptr.To[int64](0),
		Preconditions:      &metav1.Preconditions{UID: ptr.To(pod.UID)},
	})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) && ctx.Err() == nil {
		log.Printf("pod %s/%s: delete: %v", pod.Namespace, pod.Name, err)
	}
}

func kernelVersion() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}
