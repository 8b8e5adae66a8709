package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/kubernetes/pkg/api/v1/resource"
	"k8s.io/kubernetes/pkg/fieldpath"
)

// prepareVolumes gives every volume of the pod a host directory (or file) to bind-mount:
// hostPath as is, emptyDir under the pod's directory, a PVC through its bound PV's local path,
// configMap/secret/downwardAPI/projected as files written once, as the kubelet's volume
// plugins do. An error (a PVC not bound yet, a missing ConfigMap) is retried by the caller.
func (w *podWorker) prepareVolumes(ctx context.Context) error {
	w.mu.Lock()
	pod := w.pod.DeepCopy()
	w.mu.Unlock()
	vols := map[string]string{}
	for _, v := range pod.Spec.Volumes {
		dir := filepath.Join(w.dir, "volumes", v.Name)
		var err error
		switch s := v.VolumeSource; {
		case s.HostPath != nil:
			vols[v.Name] = s.HostPath.Path
			err = ensureHostPath(s.HostPath.Path, s.HostPath.Type)
		case s.EmptyDir != nil:
			vols[v.Name] = dir
			if err = os.MkdirAll(dir, 0o777); err == nil {
				err = os.Chmod(dir, 0o777)
			}
		case s.PersistentVolumeClaim != nil:
			vols[v.Name], err = w.claimPath(ctx, pod.Namespace, s.PersistentVolumeClaim.ClaimName)
		case s.ConfigMap != nil:
			vols[v.Name] = dir
			err = w.writeProjection(ctx, pod, dir, []corev1.VolumeProjection{{ConfigMap: &corev1.ConfigMapProjection{
				LocalObjectReference: s.ConfigMap.LocalObjectReference, Items: s.ConfigMap.Items, Optional: s.ConfigMap.Optional}}})
		case s.Secret != nil:
			vols[v.Name] = dir
			err = w.writeProjection(ctx, pod, dir, []corev1.VolumeProjection{{Secret: &corev1.SecretProjection{
				LocalObjectReference: corev1.LocalObjectReference{Name: s.Secret.SecretName}, Items: s.Secret.Items, Optional: s.Secret.Optional}}})
		case s.DownwardAPI != nil:
			vols[v.Name] = dir
			err = w.writeProjection(ctx, pod, dir, []corev1.VolumeProjection{{DownwardAPI: &corev1.DownwardAPIProjection{Items: s.DownwardAPI.Items}}})
		case s.Projected != nil:
			vols[v.Name] = dir
			err = w.writeProjection(ctx, pod, dir, s.Projected.Sources)
		default:
			err = fmt.Errorf("volume %q: its type is not supported by the process kubelet (hostPath, emptyDir, persistentVolumeClaim, configMap, secret, downwardAPI, projected are)", v.Name)
		}
		if err != nil {
			return err
		}
	}
	w.mu.Lock()
	w.volumes = vols
	w.mu.Unlock()
	return nil
}

func ensureHostPath(path string, t *corev1.HostPathType) error {
	kind := corev1.HostPathUnset
	if t != nil {
		kind = *t
	}
	switch kind {
	case corev1.HostPathDirectoryOrCreate:
		return os.MkdirAll(path, 0o755)
	case corev1.HostPathFileOrCreate:
		if _, err := os.Stat(path); os.IsNotExist(err) {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			return os.WriteFile(path, nil, 0o644)
		}
		return nil
	case corev1.HostPathUnset:
		// Like the runtime: a missing path becomes a directory.
		return os.MkdirAll(path, 0o755)
	default:
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("hostPath %s (type %s): %v", path, kind, err)
		}
		return nil
	}
}

// claimPath follows a PVC to its bound PV's hostPath or local path.
func (w *podWorker) claimPath(ctx context.Context, ns, claim string) (string, error) {
	pvc, err := w.k.client.CoreV1().PersistentVolumeClaims(ns).Get(ctx, claim, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("persistentvolumeclaim %q: %v", claim, err)
	}
	if pvc.Status.Phase != corev1.ClaimBound || pvc.Spec.VolumeName == "" {
		return "", fmt.Errorf("persistentvolumeclaim %q is not bound yet", claim)
	}
	pv, err := w.k.client.CoreV1().PersistentVolumes().Get(ctx, pvc.Spec.VolumeName, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("persistentvolume %q: %v", pvc.Spec.VolumeName, err)
	}
	switch {
	case pv.Spec.HostPath != nil:
		return pv.Spec.HostPath.Path, ensureHostPath(pv.Spec.HostPath.Path, pv.Spec.HostPath.Type)
	case pv.Spec.Local != nil:
		return pv.Spec.Local.Path, os.MkdirAll(pv.Spec.Local.Path, 0o755)
	}
	return "", fmt.Errorf("persistentvolume %q: only hostPath and local volumes can be mounted by the process kubelet", pv.Name)
}

func (w *podWorker) writeProjection(ctx context.Context, pod *corev1.Pod, dir string, sources []corev1.VolumeProjection) error {
	files := map[string][]byte{}
	for _, src := range sources {
		switch {
		case src.ConfigMap != nil:
			data, err := w.configMapData(ctx, pod.Namespace, src.ConfigMap.Name, src.ConfigMap.Optional)
			if err != nil {
				return err
			}
			if err := project(files, data, src.ConfigMap.Items, "configmap "+src.ConfigMap.Name, src.ConfigMap.Optional); err != nil {
				return err
			}
		case src.Secret != nil:
			data, err := w.secretData(ctx, pod.Namespace, src.Secret.Name, src.Secret.Optional)
			if err != nil {
				return err
			}
			if err := project(files, data, src.Secret.Items, "secret "+src.Secret.Name, src.Secret.Optional); err != nil {
				return err
			}
		case src.DownwardAPI != nil:
			for _, item := range src.DownwardAPI.Items {
				var v string
				var err error
				if item.FieldRef != nil {
					v, err = podField(pod, item.FieldRef.FieldPath)
				} else if item.ResourceFieldRef != nil {
					v, err = resource.ExtractResourceValueByContainerName(item.ResourceFieldRef, pod, item.ResourceFieldRef.ContainerName)
				}
				if err != nil {
					return err
				}
				files[item.Path] = []byte(v)
			}
		case src.ServiceAccountToken != nil:
			t := src.ServiceAccountToken
			req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
				ExpirationSeconds: t.ExpirationSeconds,
				BoundObjectRef:    &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name, UID: pod.UID},
			}}
			if t.Audience != "" {
				req.Spec.Audiences = []string{t.Audience}
			}
			sa := pod.Spec.ServiceAccountName
			if sa == "" {
				sa = "default"
			}
			tok, err := w.k.client.CoreV1().ServiceAccounts(pod.Namespace).CreateToken(ctx, sa, req, metav1.CreateOptions{})
			if err != nil {
				return fmt.Errorf("service account token for %q: %v", sa, err)
			}
			files[t.Path] = []byte(tok.Status.Token)
		case src.ClusterTrustBundle != nil || src.PodCertificate != nil:
			return fmt.Errorf("projected source: clusterTrustBundle and podCertificate are not supported by the process kubelet")
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, b := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func project(files map[string][]byte, data map[string]string, items []corev1.KeyToPath, what string, optional *bool) error {
	if len(items) == 0 {
		for k, v := range data {
			files[k] = []byte(v)
		}
		return nil
	}
	for _, it := range items {
		v, ok := data[it.Key]
		if !ok {
			if optional != nil && *optional {
				continue
			}
			return fmt.Errorf("%s has no key %q", what, it.Key)
		}
		files[it.Path] = []byte(v)
	}
	return nil
}

func (w *podWorker) configMapData(ctx context.Context, ns, name string, optional *bool) (map[string]string, error) {
	cm, err := w.k.client.CoreV1().ConfigMaps(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) && optional != nil && *optional {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("configmap %q: %v", name, err)
	}
	out := map[string]string{}
	for k, v := range cm.Data {
		out[k] = v
	}
	for k, v := range cm.BinaryData {
		out[k] = string(v)
	}
	return out, nil
}

func (w *podWorker) secretData(ctx context.Context, ns, name string, optional *bool) (map[string]string, error) {
	s, err := w.k.client.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) && optional != nil && *optional {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("secret %q: %v", name, err)
	}
	out := map[string]string{}
	for k, v := range s.Data {
		out[k] = string(v)
	}
	return out, nil
}

// podField resolves a fieldRef as the kubelet does; runtime fields come from this node.
func podField(pod *corev1.Pod, path string) (string, error) {
	switch path {
	case "spec.nodeName":
		return pod.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.hostIP", "status.podIP", "status.hostIPs", "status.podIPs":
		return "127.0.0.1", nil
	}
	return fieldpath.ExtractFieldPathAsString(pod, path)
}

// envValueFrom resolves one env entry's valueFrom; skip is true for a missing optional key.
func (w *podWorker) envValueFrom(ctx context.Context, pod *corev1.Pod, c *corev1.Container, e corev1.EnvVar) (string, bool, error) {
	from := e.ValueFrom
	switch {
	case from.FieldRef != nil:
		v, err := podField(pod, from.FieldRef.FieldPath)
		return v, false, err
	case from.ResourceFieldRef != nil:
		v, err := resource.ExtractContainerResourceValue(from.ResourceFieldRef, c)
		return v, false, err
	case from.ConfigMapKeyRef != nil:
		ref := from.ConfigMapKeyRef
		data, err := w.configMapData(ctx, pod.Namespace, ref.Name, ref.Optional)
		return keyOf(data, err, ref.Key, ref.Optional, "env "+e.Name+": configmap "+ref.Name)
	case from.SecretKeyRef != nil:
		ref := from.SecretKeyRef
		data, err := w.secretData(ctx, pod.Namespace, ref.Name, ref.Optional)
		return keyOf(data, err, ref.Key, ref.Optional, "env "+e.Name+": secret "+ref.Name)
	}
	return "", true, nil
}

func keyOf(data map[string]string, err error, key string, optional *bool, what string) (string, bool, error) {
	if err != nil {
		return "", false, err
	}
	v, ok := data[key]
	if !ok {
		if optional != nil && *optional {
			return "", true, nil
		}
		return "", false, fmt.Errorf("%s has no key %q", what, key)
	}
	return v, false, nil
}
