package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/kubernetes/third_party/forked/golang/expansion"
)

// podExecCommand is the hidden sub-command the kubelet re-executes itself as, inside the pod
// process's fresh mount namespace, to mount the volumes before exec'ing the container command.
const podExecCommand = "__pod-exec"

type mountSpec struct {
	Source   string `json:"source"`
	Target   string `json:"target"`
	ReadOnly bool   `json:"readOnly,omitempty"`
}

// execSpec is everything the pod-exec stage needs, written next to the container's log.
type execSpec struct {
	Argv        []string    `json:"argv"`
	Env         []string    `json:"env"`
	WorkingDir  string      `json:"workingDir"`
	Mounts      []mountSpec `json:"mounts"`
	ErrFile     string      `json:"errFile"`     // why the command could not be started
	MessageFile string      `json:"messageFile"` // host side of terminationMessagePath
	// Keep lists host directories that must stay visible at their own paths even when a
	// volume is mounted over an ancestor (the checkout a project image maps to, the pod's
	// state directory): in a real container they belong to the image, not the node.
	Keep []string `json:"keep,omitempty"`
}

func (s *execSpec) write(path string) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// isProjectImage: images of this project run from the checkout rather than an image.
func isProjectImage(image string) bool { return strings.Contains(image, "rwenas") }

// execSpec resolves a container's command, env, working directory and mounts.
func (w *podWorker) execSpec(ctx context.Context, pod *corev1.Pod, c *container) (*execSpec, error) {
	env, err := w.containerEnv(ctx, pod, &c.spec)
	if err != nil {
		return nil, err
	}
	vars := map[string]string{}
	list := make([]string, 0, len(env))
	for _, e := range env {
		vars[e.name] = e.value
		list = append(list, e.name+"="+e.value)
	}
	mapping := expansion.MappingFuncFor(vars)
	var argv []string
	for _, a := range append(append([]string{}, c.spec.Command...), c.spec.Args...) {
		argv = append(argv, expansion.Expand(a, mapping))
	}
	project := isProjectImage(c.spec.Image)
	if len(c.spec.Command) == 0 && project {
		argv = append([]string{"rwenas"}, argv...) // the project image's entrypoint
	}
	if len(argv) == 0 || len(c.spec.Command) == 0 && !project {
		return nil, fmt.Errorf("container %q: the process kubelet needs an explicit command (image %q has no known entrypoint)", c.spec.Name, c.spec.Image)
	}
	spec := &execSpec{Argv: argv, Env: list, WorkingDir: c.spec.WorkingDir,
		ErrFile:     filepath.Join(w.dir, c.spec.Name+".start-error"),
		MessageFile: filepath.Join(w.dir, c.spec.Name+".termination-log")}
	if spec.WorkingDir == "" {
		spec.WorkingDir = ternary(project, w.k.cfg.checkout, "/")
	}
	spec.Keep = append(spec.Keep, w.dir)
	if project {
		spec.Keep = append(spec.Keep, w.k.cfg.checkout)
	}
	_ = os.Remove(spec.ErrFile)
	if err := os.WriteFile(spec.MessageFile, nil, 0o666); err != nil { // a fresh file per run
		return nil, err
	}
	msgPath := c.spec.TerminationMessagePath
	if msgPath == "" {
		msgPath = corev1.TerminationMessagePathDefault
	}
	spec.Mounts = append(spec.Mounts, mountSpec{Source: spec.MessageFile, Target: msgPath})
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, m := range c.spec.VolumeMounts {
		src, ok := w.volumes[m.Name]
		if !ok {
			return nil, fmt.Errorf("container %q: volumeMount %q names no volume of the pod", c.spec.Name, m.Name)
		}
		if m.SubPath != "" {
			src = filepath.Join(src, m.SubPath)
			if err := os.MkdirAll(src, 0o777); err != nil {
				return nil, err
			}
		}
		spec.Mounts = append(spec.Mounts, mountSpec{Source: src, Target: m.MountPath, ReadOnly: m.ReadOnly})
	}
	return spec, nil
}

type envVar struct{ name, value string }

// containerEnv builds the environment as the kubelet does: service variables for the API
// server, envFrom, then env in order with $(VAR) references to earlier entries.
func (w *podWorker) containerEnv(ctx context.Context, pod *corev1.Pod, c *corev1.Container) ([]envVar, error) {
	path := os.Getenv("PATH")
	if isProjectImage(c.Image) {
		path = filepath.Join(w.k.cfg.checkout, "bin") + ":" + path
	}
	host, port := w.k.apiHost, w.k.apiPort
	gpus := ""
	if q, ok := c.Resources.Limits[gpuResource]; ok && q.Value() > 0 {
		w.mu.Lock()
		if w.gpuIDs == nil {
			w.gpuIDs = map[string][]string{}
		}
		ids, done := w.gpuIDs[c.Name]
		if !done {
			ids = w.k.assignGPUs(pod.Spec.NodeName, types.UID(string(w.uid)+"/"+c.Name), q.Value())
			w.gpuIDs[c.Name] = ids
		}
		w.mu.Unlock()
		gpus = strings.Join(ids, ",")
	}
	base := []envVar{{"PATH", path}, {"HOME", "/root"}, {"HOSTNAME", pod.Name},
		{"KUBERNETES_SERVICE_HOST", host}, {"KUBERNETES_SERVICE_PORT", port}, {"KUBERNETES_SERVICE_PORT_HTTPS", port},
		{"KUBERNETES_PORT", "tcp://" + host + ":" + port}, {"KUBERNETES_PORT_443_TCP", "tcp://" + host + ":" + port},
		{"KUBERNETES_PORT_443_TCP_PROTO", "tcp"}, {"KUBERNETES_PORT_443_TCP_ADDR", host}, {"KUBERNETES_PORT_443_TCP_PORT", port}}
	if gpus != "" {
		base = append(base, envVar{"NVIDIA_VISIBLE_DEVICES", gpus})
	}
	idx := map[string]int{}
	var out []envVar
	set := func(name, value string) {
		if i, ok := idx[name]; ok {
			out[i].value = value
			return
		}
		idx[name] = len(out)
		out = append(out, envVar{name, value})
	}
	for _, e := range base {
		set(e.name, e.value)
	}
	for _, from := range c.EnvFrom {
		var data map[string]string
		var err error
		switch {
		case from.ConfigMapRef != nil:
			data, err = w.configMapData(ctx, pod.Namespace, from.ConfigMapRef.Name, from.ConfigMapRef.Optional)
		case from.SecretRef != nil:
			data, err = w.secretData(ctx, pod.Namespace, from.SecretRef.Name, from.SecretRef.Optional)
		}
		if err != nil {
			return nil, err
		}
		keys := make([]string, 0, len(data))
		for k := range data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			set(from.Prefix+k, data[k])
		}
	}
	for _, e := range c.Env {
		value := e.Value
		if e.ValueFrom == nil {
			vars := map[string]string{}
			for _, v := range out {
				vars[v.name] = v.value
			}
			value = expansion.Expand(value, expansion.MappingFuncFor(vars))
		} else {
			v, skip, err := w.envValueFrom(ctx, pod, c, e)
			if err != nil {
				return nil, err
			}
			if skip {
				continue
			}
			value = v
		}
		set(e.Name, value)
	}
	return out, nil
}

// podExec runs inside the new mount namespace: bind-mount the volumes and the termination
// message file, enter the working directory, and become the container's command.
func podExec(specPath string) {
	var spec execSpec
	fail := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		if spec.ErrFile != "" {
			_ = os.WriteFile(spec.ErrFile, []byte(msg), 0o644)
		}
		fmt.Fprintln(os.Stderr, "process-kubelet:", msg)
		os.Exit(128)
	}
	b, err := os.ReadFile(specPath)
	if err != nil {
		fail("read %s: %v", specPath, err)
	}
	if err := json.Unmarshal(b, &spec); err != nil {
		fail("parse %s: %v", specPath, err)
	}
	// Every source is first bind-mounted into a private staging tmpfs: a volume mounted over
	// an ancestor of another's source (e.g. an emptyDir at /tmp while the node keeps pod
	// state below /tmp) must not hide that source, just as a node's paths never disappear
	// behind a container's mounts.
	if err := stageSources(&spec); err != nil {
		fail("%v", err)
	}
	// Shallow mounts first, so a volume mounted inside another lands on top of it.
	sort.SliceStable(spec.Mounts, func(i, j int) bool {
		return strings.Count(filepath.Clean(spec.Mounts[i].Target), "/") < strings.Count(filepath.Clean(spec.Mounts[j].Target), "/")
	})
	for _, m := range spec.Mounts {
		if err := bindAt(m.Source, m.Target); err != nil {
			fail("mount %s: %v", m.Target, err)
		}
		if m.ReadOnly {
			if err := syscall.Mount("", m.Target, "", syscall.MS_BIND|syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
				fail("read-only remount of %s: %v", m.Target, err)
			}
		}
	}
	if err := restoreKept(&spec); err != nil {
		fail("%v", err)
	}
	if err := os.MkdirAll(spec.WorkingDir, 0o755); err != nil {
		fail("workingDir %s: %v", spec.WorkingDir, err)
	}
	if err := os.Chdir(spec.WorkingDir); err != nil {
		fail("workingDir %s: %v", spec.WorkingDir, err)
	}
	argv0, err := lookPath(spec.Argv[0], spec.Env)
	if err != nil {
		fail("%v", err)
	}
	err = syscall.Exec(argv0, spec.Argv, spec.Env)
	fail("exec %s: %v", argv0, err)
}

// lookPath finds a command on the pod's PATH, not the kubelet's.
func lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	path := ""
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "PATH="); ok {
			path = v
		}
	}
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("executable file %q not found in $PATH: %s", name, path)
}

// stageDir holds the staged sources inside the pod's mount namespace only (a tmpfs there;
// on the host it stays one empty directory).
const stageDir = "/run/process-kubelet-stage"

// bindAt bind-mounts source at a new mount point of the same kind (directory or file).
func bindAt(source, point string) error {
	st, err := os.Stat(source)
	if err != nil {
		return err
	}
	if st.IsDir() {
		err = os.MkdirAll(point, 0o755)
	} else if err = os.MkdirAll(filepath.Dir(point), 0o755); err == nil {
		if _, serr := os.Stat(point); os.IsNotExist(serr) {
			err = os.WriteFile(point, nil, 0o644)
		}
	}
	if err != nil {
		return fmt.Errorf("mount point %s: %v", point, err)
	}
	if err := syscall.Mount(source, point, "", syscall.MS_BIND|syscall.MS_REC, ""); err != nil {
		return fmt.Errorf("bind-mount %s at %s: %v", source, point, err)
	}
	return nil
}

// stageSources re-points every mount and kept path at a staged copy of its source.
func stageSources(spec *execSpec) error {
	if err := os.MkdirAll(stageDir, 0o700); err != nil {
		return fmt.Errorf("staging directory: %v", err)
	}
	if err := syscall.Mount("tmpfs", stageDir, "tmpfs", 0, "mode=0700"); err != nil {
		return fmt.Errorf("staging tmpfs: %v", err)
	}
	for i := range spec.Mounts {
		staged := filepath.Join(stageDir, fmt.Sprintf("m%d", i))
		if err := bindAt(spec.Mounts[i].Source, staged); err != nil {
			return fmt.Errorf("mount %s: %v", spec.Mounts[i].Target, err)
		}
		spec.Mounts[i].Source = staged
	}
	for i, keep := range spec.Keep {
		if err := bindAt(keep, filepath.Join(stageDir, fmt.Sprintf("k%d", i))); err != nil {
			return fmt.Errorf("keep %s: %v", keep, err)
		}
	}
	return nil
}

// restoreKept binds each kept path back at its own path if a volume now hides it.
func restoreKept(spec *execSpec) error {
	for i, keep := range spec.Keep {
		staged := filepath.Join(stageDir, fmt.Sprintf("k%d", i))
		if sameFile(keep, staged) {
			continue
		}
		if err := bindAt(staged, keep); err != nil {
			return fmt.Errorf("keep %s: %v", keep, err)
		}
	}
	return nil
}

func sameFile(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}
