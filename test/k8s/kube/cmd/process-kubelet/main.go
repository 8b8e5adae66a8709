// Command process-kubelet is a test harness that plays the kubelet for the test control plane:
// no container runtime exists on the machines that run the tests, so it registers Nodes (with
// nvidia.com/gpu capacity), keeps their Leases and Ready condition fresh, and runs every pod
// bound to them as local processes in their own mount namespace, reporting pod status as a
// kubelet does. See test/k8s/README.md for its interface.
//
// Configuration (flags win over the environment):
//
//	--kubeconfig / KUBECONFIG           admin kubeconfig of the control plane
//	--state-dir  / RWENAS_K8S_DIR       pod logs, volumes and messages: <dir>/pods/<ns>_<name>/
//	--checkout   / RWENAS_CHECKOUT      images naming "rwenas" run with <checkout>/bin first on PATH
//	RWENAS_FAKE_NODES (1), RWENAS_FAKE_GPUS (4 per node), RWENAS_FAKE_CPU (16), RWENAS_FAKE_MEMORY (64Gi)
//	RWENAS_KUBELET_BACKOFF (10s): first crash-loop back-off, doubled up to 5m as the kubelet does
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/record"
)

type config struct {
	kubeconfig string
	stateDir   string
	checkout   string
	nodes      int
	gpus       int64
	cpu        string
	memory     string
	backoff    time.Duration
}

// kubelet owns the nodes and the pod workers of this process.
type kubelet struct {
	cfg     config
	client  kubernetes.Interface
	rest    *rest.Config
	apiHost string // 127.0.0.1
	apiPort string

	events record.EventRecorder

	mu       sync.Mutex
	gpus     map[string][]types.UID // node -> owner of each GPU index ("" = free)
	workers  map[types.UID]*podWorker
	finished map[types.UID]bool // pods this kubelet ran to the end: never started again
	wg       sync.WaitGroup
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func main() {
	if len(os.Args) > 2 && os.Args[1] == podExecCommand {
		podExec(os.Args[2]) // never returns
	}
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)
	var cfg config
	flag.StringVar(&cfg.kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "admin kubeconfig")
	flag.StringVar(&cfg.stateDir, "state-dir", envOr("RWENAS_K8S_DIR", ".k8s"), "state directory")
	flag.StringVar(&cfg.checkout, "checkout", envOr("RWENAS_CHECKOUT", "."), "checkout whose bin/ serves rwenas images")
	flag.Parse()
	var err error
	if cfg.nodes, err = strconv.Atoi(envOr("RWENAS_FAKE_NODES", "1")); err != nil || cfg.nodes < 1 {
		log.Fatalf("RWENAS_FAKE_NODES must be a positive integer, got %q", os.Getenv("RWENAS_FAKE_NODES"))
	}
	if cfg.gpus, err = strconv.ParseInt(envOr("RWENAS_FAKE_GPUS", "4"), 10, 64); err != nil || cfg.gpus < 0 {
		log.Fatalf("RWENAS_FAKE_GPUS must be a non-negative integer, got %q", os.Getenv("RWENAS_FAKE_GPUS"))
	}
	cfg.cpu = envOr("RWENAS_FAKE_CPU", "16")
	cfg.memory = envOr("RWENAS_FAKE_MEMORY", "64Gi")
	if cfg.backoff, err = time.ParseDuration(envOr("RWENAS_KUBELET_BACKOFF", "10s")); err != nil {
		log.Fatalf("RWENAS_KUBELET_BACKOFF must be a duration such as 10s: %v", err)
	}
	if cfg.stateDir, err = filepath.Abs(cfg.stateDir); err != nil {
		log.Fatal(err)
	}
	if cfg.checkout, err = filepath.Abs(cfg.checkout); err != nil {
		log.Fatal(err)
	}

	restCfg, err := clientcmd.BuildConfigFromFlags("", cfg.kubeconfig)
	if err != nil {
		log.Fatalf("kubeconfig %q: %v", cfg.kubeconfig, err)
	}
	restCfg.QPS, restCfg.Burst = 50, 100
	restCfg.UserAgent = "rwenas-process-kubelet"
	k := &kubelet{cfg: cfg, rest: restCfg, client: kubernetes.NewForConfigOrDie(restCfg), workers: map[types.UID]*podWorker{}, finished: map[types.UID]bool{}, gpus: map[string][]types.UID{}}
	if k.apiHost, k.apiPort, err = hostPort(restCfg.Host); err != nil {
		log.Fatalf("kubeconfig server %q: %v", restCfg.Host, err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	broadcaster := record.NewBroadcaster(record.WithContext(ctx))
	broadcaster.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: k.client.CoreV1().Events("")})
	defer broadcaster.Shutdown()
	k.events = broadcaster.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "kubelet"})
	for i := 0; i < cfg.nodes; i++ {
		name := fmt.Sprintf("rwenas-node-%d", i)
		k.gpus[name] = make([]types.UID, cfg.gpus)
		port, err := k.serveLogs(ctx)
		if err != nil {
			log.Fatalf("log server: %v", err)
		}
		if err := k.registerNode(ctx, name, port); err != nil {
			log.Fatalf("register node %s: %v", name, err)
		}
		go k.heartbeat(ctx, name)
		k.watchPods(ctx, name)
		log.Printf("node %s registered (nvidia.com/gpu=%d, logs on port %d)", name, cfg.gpus, port)
	}
	<-ctx.Done()
	log.Printf("stopping: killing pod processes")
	k.mu.Lock()
	for _, w := range k.workers {
		go w.shutdown()
	}
	k.mu.Unlock()
	waitTimeout(&k.wg, 5*time.Second)
}

// watchPods feeds every pod bound to the node to its worker.
func (k *kubelet) watchPods(ctx context.Context, node string) {
	factory := informers.NewSharedInformerFactoryWithOptions(k.client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("spec.nodeName", node).String()
		}))
	inf := factory.Core().V1().Pods().Informer()
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { k.sync(ctx, obj.(*corev1.Pod)) },
		UpdateFunc: func(_, obj any) { k.sync(ctx, obj.(*corev1.Pod)) },
		DeleteFunc: func(obj any) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			if pod, ok := obj.(*corev1.Pod); ok {
				k.forget(pod.UID)
			}
		},
	})
	factory.Start(ctx.Done())
}

func (k *kubelet) sync(ctx context.Context, pod *corev1.Pod) {
	k.mu.Lock()
	w, ok := k.workers[pod.UID]
	if !ok {
		terminal := pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed || k.finished[pod.UID]
		k.mu.Unlock()
		if terminal {
			// Nothing runs: a deleted terminal pod only needs its final removal.
			if pod.DeletionTimestamp != nil {
				k.removePod(ctx, pod)
			}
			return
		}
		k.mu.Lock()
		if w, ok = k.workers[pod.UID]; !ok && !k.finished[pod.UID] {
			w = newPodWorker(k, pod)
			k.workers[pod.UID] = w
			k.wg.Add(1)
			go func() { defer k.wg.Done(); w.run(ctx) }()
		}
	}
	k.mu.Unlock()
	if w != nil {
		w.update(pod)
	}
}

// markFinished retires a worker; later events for its pod only remove the object when deleted.
func (k *kubelet) markFinished(uid types.UID) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.workers, uid)
	k.finished[uid] = true
}

// forget is called when the pod object is gone: whatever still runs is killed.
func (k *kubelet) forget(uid types.UID) {
	k.mu.Lock()
	w := k.workers[uid]
	delete(k.workers, uid)
	delete(k.finished, uid)
	k.mu.Unlock()
	if w != nil {
		w.shutdown()
	}
}

func waitTimeout(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
	}
}

// assignGPUs gives a container the GPU indices it requests, as the NVIDIA device plugin does
// (the scheduler already counted them); the container sees them in NVIDIA_VISIBLE_DEVICES.
func (k *kubelet) assignGPUs(node string, owner types.UID, want int64) []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	var got []string
	for i, o := range k.gpus[node] {
		if int64(len(got)) == want {
			break
		}
		if o == "" {
			k.gpus[node][i] = owner
			got = append(got, fmt.Sprint(i))
		}
	}
	return got
}

// releaseGPUs frees every GPU held by the pod's containers (owners are "<pod uid>/<container>").
func (k *kubelet) releaseGPUs(node string, pod types.UID) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for i, o := range k.gpus[node] {
		if strings.HasPrefix(string(o), string(pod)+"/") {
			k.gpus[node][i] = ""
		}
	}
}
