package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/retry"
)

// container is one container of a pod: its spec, its reported status and its live process.
type container struct {
	spec    corev1.Container
	status  corev1.ContainerStatus
	proc    *os.Process
	running bool
	exited  bool // ran at least once and its loop ended
	logPath string
}

// podWorker runs one pod from admission to removal, as the kubelet's pod worker does.
type podWorker struct {
	k   *kubelet
	uid types.UID
	ns  string
	nm  string
	dir string

	mu        sync.Mutex
	pod       *corev1.Pod // latest seen
	inits     []*container
	mains     []*container
	initDone  bool
	prepared  bool
	phase     corev1.PodPhase
	reason    string
	message   string
	startTime metav1.Time
	volumes   map[string]string   // volume name -> host path
	gpuIDs    map[string][]string // container -> GPU indices it holds
	stopping  bool
	deleting  bool
	stopCh    chan struct{}

	pushMu sync.Mutex
}

func newPodWorker(k *kubelet, pod *corev1.Pod) *podWorker {
	w := &podWorker{k: k, uid: pod.UID, ns: pod.Namespace, nm: pod.Name, pod: pod,
		dir: filepath.Join(k.cfg.stateDir, "pods", pod.Namespace+"_"+pod.Name), phase: corev1.PodPending,
		startTime: metav1.Now(), stopCh: make(chan struct{})}
	mk := func(c corev1.Container) *container {
		return &container{spec: c, logPath: filepath.Join(w.dir, c.Name+".log"), status: corev1.ContainerStatus{
			Name: c.Name, Image: c.Image, ImageID: "process://" + c.Image,
			State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}}}
	}
	for _, c := range pod.Spec.InitContainers {
		w.inits = append(w.inits, mk(c))
	}
	for _, c := range pod.Spec.Containers {
		w.mains = append(w.mains, mk(c))
	}
	w.initDone = len(w.inits) == 0
	return w
}

// update takes the latest pod object; a deletion timestamp starts graceful termination.
func (w *podWorker) update(pod *corev1.Pod) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pod = pod
	if pod.DeletionTimestamp != nil && !w.deleting {
		w.deleting = true
		grace := int64(corev1.DefaultTerminationGracePeriodSeconds)
		if pod.DeletionGracePeriodSeconds != nil {
			grace = *pod.DeletionGracePeriodSeconds
		}
		go w.kill(time.Duration(grace)*time.Second, "", "")
	}
}

// shutdown stops the pod without reporting: its object is gone or the kubelet is stopping.
func (w *podWorker) shutdown() { w.kill(2*time.Second, "", "") }

// kill sends SIGTERM to every running container's process group, then SIGKILL after grace.
// A reason (e.g. DeadlineExceeded) is reported on the pod.
func (w *podWorker) kill(grace time.Duration, reason, message string) {
	w.mu.Lock()
	if !w.stopping {
		w.stopping = true
		close(w.stopCh)
	}
	if reason != "" && w.reason == "" {
		w.reason, w.message = reason, message
	}
	procs := w.liveProcs()
	w.mu.Unlock()
	for _, p := range procs {
		_ = syscall.Kill(-p.Pid, syscall.SIGTERM)
	}
	if len(procs) > 0 {
		w.event(corev1.EventTypeNormal, "Killing", "Stopping pod's containers (grace period %s)", grace)
	}
	if len(procs) == 0 {
		return
	}
	time.Sleep(grace)
	w.mu.Lock()
	procs = w.liveProcs()
	w.mu.Unlock()
	for _, p := range procs {
		_ = syscall.Kill(-p.Pid, syscall.SIGKILL)
	}
}

func (w *podWorker) liveProcs() []*os.Process {
	var out []*os.Process
	for _, c := range append(append([]*container{}, w.inits...), w.mains...) {
		if c.running && c.proc != nil {
			out = append(out, c.proc)
		}
	}
	return out
}

func (w *podWorker) isStopping() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stopping
}

// sleep waits d or until the pod is stopped; it reports whether the pod is still wanted.
func (w *podWorker) sleep(d time.Duration) bool {
	select {
	case <-w.stopCh:
		return false
	case <-time.After(d):
		return true
	}
}

func (w *podWorker) run(ctx context.Context) {
	defer w.finish(ctx)
	if err := w.resetDir(); err != nil {
		log.Printf("pod %s/%s: %v", w.ns, w.nm, err)
		return
	}
	w.push(ctx)
	for {
		err := w.prepareVolumes(ctx)
		if err == nil {
			break
		}
		w.setWaiting(w.all(), "ContainerCreating", err.Error())
		w.event(corev1.EventTypeWarning, "FailedMount", "%v", err)
		w.push(ctx)
		if !w.sleep(2 * time.Second) {
			return
		}
	}
	w.mu.Lock()
	w.prepared = true
	spec := w.pod.Spec
	w.mu.Unlock()
	if d := spec.ActiveDeadlineSeconds; d != nil {
		t := time.AfterFunc(time.Until(w.startTime.Add(time.Duration(*d)*time.Second)), func() {
			w.kill(gracePeriod(spec), "DeadlineExceeded", "Pod was active on the node longer than the specified deadline")
		})
		defer t.Stop()
	}
	if !w.pullImages(ctx) {
		return
	}
	for _, c := range w.inits {
		// An init container must succeed before the next starts; Never means one failure fails the pod.
		w.loop(ctx, c, spec.RestartPolicy != corev1.RestartPolicyNever, false)
		if w.isStopping() || c.status.State.Terminated == nil || c.status.State.Terminated.ExitCode != 0 {
			return
		}
	}
	w.mu.Lock()
	w.initDone = true
	w.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range w.mains {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.loop(ctx, c, spec.RestartPolicy == corev1.RestartPolicyOnFailure, spec.RestartPolicy == corev1.RestartPolicyAlways)
		}()
	}
	wg.Wait()
}

func gracePeriod(spec corev1.PodSpec) time.Duration {
	if spec.TerminationGracePeriodSeconds != nil {
		return time.Duration(*spec.TerminationGracePeriodSeconds) * time.Second
	}
	return corev1.DefaultTerminationGracePeriodSeconds * time.Second
}

// finish reports the final phase and, for a deleted pod, removes the object.
func (w *podWorker) finish(ctx context.Context) {
	w.mu.Lock()
	w.phase = w.finalPhase()
	deleting, gone := w.deleting, w.stopping && !w.deleting && w.reason == ""
	for _, c := range w.all() {
		if c.status.State.Waiting != nil && w.phase != corev1.PodPending {
			// Never started: report it terminated, as the kubelet does for a terminal pod.
			c.status.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				ExitCode: 137, Reason: "ContainerStatusUnknown", Message: "The container could not be located when the pod was terminated"}}
		}
	}
	pod := w.pod
	w.mu.Unlock()
	w.k.releaseGPUs(pod.Spec.NodeName, w.uid)
	w.k.markFinished(w.uid)
	if gone && !deleting {
		return // object deleted or kubelet stopping: nothing to report to
	}
	w.push(ctx)
	if deleting {
		w.k.removePod(ctx, pod)
	}
}

// unpullable: an image on a registry under the reserved .invalid domain (RFC 6761), which no
// resolver answers, so its pull fails as any unreachable registry's does.
func unpullable(image string) (string, bool) {
	host, _, found := strings.Cut(image, "/")
	return host, found && (host == "invalid" || strings.HasSuffix(host, ".invalid"))
}

// pullImages plays the kubelet's image pull: an unpullable image leaves its container Waiting
// in ErrImagePull, then ImagePullBackOff (with the kubelet's Events), and the pod Pending until
// it is deleted or its activeDeadlineSeconds ends it. Reports whether the containers may start.
func (w *podWorker) pullImages(ctx context.Context) bool {
	backoff := 2 * time.Second
	for {
		var failed []*container
		for _, c := range w.all() {
			if host, bad := unpullable(c.status.Image); bad {
				failed = append(failed, c)
				w.event(corev1.EventTypeWarning, "Failed", "Failed to pull image %q: failed to resolve reference %q: dial tcp: lookup %s: no such host", c.status.Image, c.status.Image, host)
			}
		}
		if len(failed) == 0 {
			return true
		}
		for _, c := range failed {
			w.setWaiting([]*container{c}, "ErrImagePull", fmt.Sprintf("failed to pull and unpack image %q: no such host", c.status.Image))
		}
		w.push(ctx)
		if !w.sleep(time.Second) {
			return false
		}
		for _, c := range failed {
			w.setWaiting([]*container{c}, "ImagePullBackOff", fmt.Sprintf("Back-off pulling image %q", c.status.Image))
			w.event(corev1.EventTypeNormal, "BackOff", "Back-off pulling image %q", c.status.Image)
		}
		w.push(ctx)
		if !w.sleep(backoff) {
			return false
		}
		backoff = min(2*backoff, 30*time.Second)
	}
}

func (w *podWorker) all() []*container { return append(append([]*container{}, w.inits...), w.mains...) }

func (w *podWorker) resetDir() error {
	// A pod re-created under the same name starts from a clean directory.
	uidFile := filepath.Join(w.dir, "uid")
	if b, err := os.ReadFile(uidFile); err == nil && string(b) != string(w.uid) {
		if err := os.RemoveAll(w.dir); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(w.dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(uidFile, []byte(w.uid), 0o644)
}

func (w *podWorker) setWaiting(cs []*container, reason, message string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, c := range cs {
		c.status.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: message}}
	}
}

// loop runs a container until it is not restarted: on failure when onFailure, always when always.
func (w *podWorker) loop(ctx context.Context, c *container, onFailure, always bool) {
	backoff := w.k.cfg.backoff
	defer func() { w.mu.Lock(); c.exited = true; w.mu.Unlock() }()
	for !w.isStopping() {
		code := w.runOnce(ctx, c)
		if w.isStopping() || !(always || (onFailure && code != 0)) {
			return
		}
		w.mu.Lock()
		c.status.LastTerminationState = c.status.State
		c.status.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff",
			Message: fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)", backoff, c.spec.Name, w.nm, w.ns, w.uid)}}
		w.mu.Unlock()
		w.push(ctx)
		w.event(corev1.EventTypeWarning, "BackOff", "Back-off restarting failed container %s in pod %s", c.spec.Name, w.nm)
		if !w.sleep(backoff) {
			return
		}
		backoff = min(2*backoff, 5*time.Minute)
		w.mu.Lock()
		c.status.RestartCount++
		w.mu.Unlock()
	}
}

// runOnce starts the container's process, waits for it and reports its termination; it returns
// the exit code (-1 when it could not be started before the pod stopped).
func (w *podWorker) runOnce(ctx context.Context, c *container) int32 {
	var spec *execSpec
	for {
		var err error
		w.mu.Lock()
		pod := w.pod.DeepCopy()
		w.mu.Unlock()
		if spec, err = w.execSpec(ctx, pod, c); err == nil {
			break
		}
		w.setWaiting([]*container{c}, "CreateContainerConfigError", err.Error())
		w.event(corev1.EventTypeWarning, "Failed", "Error: %v", err)
		w.push(ctx)
		if !w.sleep(2 * time.Second) {
			return -1
		}
	}
	if _, err := os.Stat(c.logPath); err == nil {
		_ = os.Rename(c.logPath, strings.TrimSuffix(c.logPath, ".log")+".previous.log")
	}
	logFile, err := os.OpenFile(c.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return w.terminated(ctx, c, 128, "StartError", err.Error(), metav1.Now())
	}
	defer logFile.Close()
	self, err := os.Executable()
	if err != nil {
		return w.terminated(ctx, c, 128, "StartError", err.Error(), metav1.Now())
	}
	specPath := filepath.Join(w.dir, c.spec.Name+".exec.json")
	if err := spec.write(specPath); err != nil {
		return w.terminated(ctx, c, 128, "StartError", err.Error(), metav1.Now())
	}
	cmd := exec.Command(self, podExecCommand, specPath)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS, Setpgid: true, Pdeathsig: syscall.SIGKILL}
	w.mu.Lock()
	if w.stopping {
		w.mu.Unlock()
		return -1
	}
	err = cmd.Start()
	started := metav1.Now()
	if err != nil {
		w.mu.Unlock()
		return w.terminated(ctx, c, 128, "StartError", err.Error(), started)
	}
	c.proc, c.running = cmd.Process, true
	c.status.ContainerID = fmt.Sprintf("process://%d", cmd.Process.Pid)
	c.status.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: started}}
	c.status.Ready, c.status.Started = true, ptrTo(true)
	_ = os.WriteFile(filepath.Join(w.dir, c.spec.Name+".pid"), []byte(fmt.Sprint(cmd.Process.Pid)), 0o644)
	w.mu.Unlock()
	w.event(corev1.EventTypeNormal, "Started", "Started container %s", c.spec.Name)
	w.push(ctx)

	err = cmd.Wait()
	// As a runtime does when a container's main process exits: nothing it started survives.
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	code := int32(0)
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		ws := exitErr.Sys().(syscall.WaitStatus)
		if ws.Signaled() {
			code = 128 + int32(ws.Signal())
		} else {
			code = int32(ws.ExitStatus())
		}
	} else if err != nil {
		code = 128
	}
	_ = os.Remove(filepath.Join(w.dir, c.spec.Name+".pid"))
	reason := "Completed"
	if code != 0 {
		reason = "Error"
	}
	message := terminationMessage(spec.MessageFile, c.logPath, c.spec.TerminationMessagePolicy, code)
	if b, err := os.ReadFile(spec.ErrFile); err == nil && len(b) > 0 {
		reason, message = "StartError", string(b)
		w.event(corev1.EventTypeWarning, "Failed", "Error: %s", message)
	}
	return w.terminated(ctx, c, code, reason, message, started)
}

func (w *podWorker) terminated(ctx context.Context, c *container, code int32, reason, message string, started metav1.Time) int32 {
	w.mu.Lock()
	c.running, c.proc = false, nil
	c.status.Ready, c.status.Started = false, ptrTo(false)
	c.status.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
		ExitCode: code, Reason: reason, Message: message, StartedAt: started, FinishedAt: metav1.Now(), ContainerID: c.status.ContainerID}}
	w.mu.Unlock()
	w.push(ctx)
	return code
}

// terminationMessage is what the kubelet reports: the message file (at most 4 KiB), or with
// FallbackToLogsOnError and a failed container, the log's last 80 lines (at most 2 KiB).
func terminationMessage(file, logPath string, policy corev1.TerminationMessagePolicy, code int32) string {
	b, _ := os.ReadFile(file)
	if len(b) > 4096 {
		b = b[:4096]
	}
	if len(b) == 0 && policy == corev1.TerminationMessageFallbackToLogsOnError && code != 0 {
		l, _ := os.ReadFile(logPath)
		lines := strings.Split(strings.TrimRight(string(l), "\n"), "\n")
		if len(lines) > 80 {
			lines = lines[len(lines)-80:]
		}
		s := strings.Join(lines, "\n")
		if len(s) > 2048 {
			s = s[len(s)-2048:]
		}
		return s
	}
	return string(b)
}

// finalPhase: Pending while the pod never got its containers going; else Succeeded when every
// container's last run exited 0, Failed otherwise. Non-final states use currentPhase.
func (w *podWorker) finalPhase() corev1.PodPhase {
	if !w.prepared && !w.stopping {
		return corev1.PodPending
	}
	if !w.initDone || w.reason != "" {
		return corev1.PodFailed
	}
	for _, c := range w.mains {
		t := c.status.State.Terminated
		if t == nil && c.status.LastTerminationState.Terminated != nil && c.status.State.Running == nil {
			t = c.status.LastTerminationState.Terminated
		}
		if t == nil || t.ExitCode != 0 {
			return corev1.PodFailed
		}
	}
	return corev1.PodSucceeded
}

func (w *podWorker) currentPhase() corev1.PodPhase {
	if w.phase == corev1.PodSucceeded || w.phase == corev1.PodFailed {
		return w.phase
	}
	if !w.initDone {
		return corev1.PodPending
	}
	for _, c := range w.mains {
		if c.running || c.status.State.Terminated != nil || c.status.RestartCount > 0 || c.status.LastTerminationState.Terminated != nil {
			return corev1.PodRunning
		}
	}
	return corev1.PodPending
}

// push writes the pod's status, keeping conditions other components own (PodScheduled, ...).
func (w *podWorker) push(ctx context.Context) {
	w.pushMu.Lock()
	defer w.pushMu.Unlock()
	pods := w.k.client.CoreV1().Pods(w.ns)
	err := retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		cur, err := pods.Get(ctx, w.nm, metav1.GetOptions{})
		if err != nil || cur.UID != w.uid {
			return err
		}
		w.mu.Lock()
		w.buildStatus(&cur.Status)
		w.mu.Unlock()
		_, err = pods.UpdateStatus(ctx, cur, metav1.UpdateOptions{})
		return err
	})
	if err != nil && !apierrors.IsNotFound(err) && ctx.Err() == nil {
		log.Printf("pod %s/%s: status: %v", w.ns, w.nm, err)
	}
}

func (w *podWorker) buildStatus(st *corev1.PodStatus) {
	phase := w.currentPhase()
	st.Phase = phase
	st.Reason, st.Message = w.reason, w.message
	st.HostIP, st.PodIP = "127.0.0.1", "127.0.0.1"
	st.HostIPs = []corev1.HostIP{{IP: "127.0.0.1"}}
	st.PodIPs = []corev1.PodIP{{IP: "127.0.0.1"}}
	st.StartTime = &w.startTime
	st.InitContainerStatuses, st.ContainerStatuses = nil, nil
	for _, c := range w.inits {
		st.InitContainerStatuses = append(st.InitContainerStatuses, *c.status.DeepCopy())
	}
	allReady := true
	for _, c := range w.mains {
		st.ContainerStatuses = append(st.ContainerStatuses, *c.status.DeepCopy())
		allReady = allReady && c.status.Ready
	}
	terminal := phase == corev1.PodSucceeded || phase == corev1.PodFailed
	ready, readyReason := corev1.ConditionFalse, "ContainersNotReady"
	if terminal {
		readyReason = "PodCompleted"
	} else if allReady {
		ready, readyReason = corev1.ConditionTrue, ""
	}
	setCondition(st, corev1.PodReadyToStartContainers, boolCond(w.prepared && !terminal), "")
	setCondition(st, corev1.PodInitialized, boolCond(w.initDone), ternary(w.initDone, "", "ContainersNotInitialized"))
	setCondition(st, corev1.ContainersReady, ready, readyReason)
	setCondition(st, corev1.PodReady, ready, readyReason)
}

func setCondition(st *corev1.PodStatus, t corev1.PodConditionType, s corev1.ConditionStatus, reason string) {
	for i := range st.Conditions {
		if st.Conditions[i].Type == t {
			if st.Conditions[i].Status != s {
				st.Conditions[i].LastTransitionTime = metav1.Now()
			}
			st.Conditions[i].Status, st.Conditions[i].Reason = s, reason
			return
		}
	}
	st.Conditions = append(st.Conditions, corev1.PodCondition{Type: t, Status: s, Reason: reason, LastTransitionTime: metav1.Now()})
}

func boolCond(b bool) corev1.ConditionStatus {
	if b {
		return corev1.ConditionTrue
	}
	return corev1.ConditionFalse
}

func ternary[T any](c bool, a, b T) T {
	if c {
		return a
	}
	return b
}

func ptrTo[T any](v T) *T { return &v }

// event records a pod event as the kubelet does (visible in `kubectl describe pod`).
func (w *podWorker) event(kind, reason, format string, args ...any) {
	w.mu.Lock()
	pod := w.pod
	w.mu.Unlock()
	w.k.events.Eventf(pod, kind, reason, format, args...)
}
