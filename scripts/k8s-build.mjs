// Builds the test control plane's binaries from the Go modules under test/k8s/ and caches them
// under ${XDG_CACHE_HOME:-~/.cache}/rwenas/k8s/<key>/bin. A key names the pinned versions and
// hashes the module files, the sources and the Go version, so a second run (or CI with the
// cache restored) builds nothing; GOMODCACHE/GOCACHE stay in Go's defaults so they are reused too.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const kubeDir = join(root, 'test/k8s/kube');
const helmDir = join(root, 'test/k8s/helm');

export const cacheRoot = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'rwenas', 'k8s');

function required(goMod, module) {
  const m = readFileSync(goMod, 'utf8').match(new RegExp(`^\\s*(?:require\\s+)?${module.replace(/\./g, '\\.')}\\s+(v\\S+)`, 'm'));
  if (!m) throw new Error(`${goMod}: no requirement on ${module}`);
  return m[1];
}

/** Pinned versions, read from the go.mod files (the single source of truth). */
export function versions() {
  return {
    kubernetes: required(join(kubeDir, 'go.mod'), 'k8s.io/kubernetes'),
    etcd: required(join(kubeDir, 'go.mod'), 'go.etcd.io/etcd/server/v3'),
    helm: required(join(helmDir, 'go.mod'), 'helm.sh/helm/v3'),
  };
}

export function goVersion() {
  const r = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function goFiles(dir) {
  return readdirSync(dir).filter((f) => f.endsWith('.go')).sort().map((f) => join(dir, f));
}

/**
 * What helm's own Makefile stamps into a release (version, empty metadata, tree state, and the
 * Kubernetes version of its client-go as the default `.Capabilities.KubeVersion`), so that a
 * plain `helm template` behaves like the released binary: without the k8sVersion stamps it
 * assumes Kubernetes v1.20.0 and refuses charts with a newer kubeVersion. (The Makefile's
 * gitCommit comes from its git checkout, which a module build has not.)
 */
function helmLdflags(helm, clientGo) {
  const [, minor] = clientGo.match(/^v0\.(\d+)\./) ?? [];
  if (!minor) throw new Error(`test/k8s/helm/go.mod: k8s.io/client-go ${clientGo}: expected v0.<minor>.<patch>`);
  const k8s = ['helm.sh/helm/v3/pkg/lint/rules', 'helm.sh/helm/v3/pkg/chartutil'].flatMap((p) => [`-X ${p}.k8sVersionMajor=1`, `-X ${p}.k8sVersionMinor=${minor}`]);
  const version = ['version=' + helm, 'metadata=', 'gitTreeState=clean'].map((kv) => `-X helm.sh/helm/v3/internal/version.${kv}`);
  return ['-s -w', ...version, ...k8s].join(' ');
}

/** The binary groups: each is built and cached on its own, so editing the kubelet rebuilds only it. */
function groups(v, go) {
  const kubeVersion = v.kubernetes;
  const [, major, minor] = kubeVersion.match(/^v(\d+)\.(\d+)/);
  // What the Kubernetes release build stamps, so /version and kubectl's skew check are right.
  const stamp = ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']
    .flatMap((p) => [`-X ${p}.gitVersion=${kubeVersion}`, `-X ${p}.gitMajor=${major}`, `-X ${p}.gitMinor=${minor}`, `-X ${p}.gitTreeState=clean`])
    .join(' ');
  const kubeMod = [join(kubeDir, 'go.mod'), join(kubeDir, 'go.sum')];
  return [
    {
      name: `control-plane-${kubeVersion}-etcd-${v.etcd}`,
      dir: kubeDir,
      inputs: [...kubeMod, join(kubeDir, 'tools.go'), ...goFiles(join(kubeDir, 'cmd/etcd'))],
      ldflags: `-s -w ${stamp}`,
      targets: {
        etcd: './cmd/etcd',
        'kube-apiserver': 'k8s.io/kubernetes/cmd/kube-apiserver',
        'kube-controller-manager': 'k8s.io/kubernetes/cmd/kube-controller-manager',
        'kube-scheduler': 'k8s.io/kubernetes/cmd/kube-scheduler',
        kubectl: 'k8s.io/kubernetes/cmd/kubectl',
      },
    },
    {
      name: `process-kubelet-${kubeVersion}`,
      dir: kubeDir,
      inputs: [...kubeMod, ...goFiles(join(kubeDir, 'cmd/process-kubelet'))],
      ldflags: '-s -w',
      targets: { 'process-kubelet': './cmd/process-kubelet' },
    },
    {
      name: `helm-${v.helm}`,
      dir: helmDir,
      inputs: [join(helmDir, 'go.mod'), join(helmDir, 'go.sum'), join(helmDir, 'tools.go')],
      ldflags: helmLdflags(v.helm, required(join(helmDir, 'go.mod'), 'k8s.io/client-go')),
      targets: { helm: 'helm.sh/helm/v3/cmd/helm' },
    },
  ].map((g) => {
    const h = createHash('sha256').update(`${go}\n${g.ldflags}\n${Object.entries(g.targets).join('\n')}\n`);
    for (const f of g.inputs) h.update(`${f.slice(root.length)}\n`).update(readFileSync(f));
    return { ...g, key: `${g.name}-${h.digest('hex').slice(0, 12)}` };
  });
}

function dirSize(dir) {
  return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

// One builder per key at a time (two checkouts or test runs may ask at once): a lock directory
// holding the builder's pid; a dead builder's lock is taken over.
async function withLock(lock, fn) {
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let pid = 0;
      try {
        pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch {
        /* being written */
      }
      if (pid && !alive(pid)) rmSync(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Ensures every binary is in the cache, building what is missing. Returns { bins: name -> path,
 * built: [{ key, seconds, bytes }] }. Throws with the build's output when Go fails.
 */
export async function ensureBinaries({ log = console.error } = {}) {
  const go = goVersion();
  const v = versions();
  const bins = {};
  const built = [];
  for (const g of groups(v, go ?? 'no-go')) {
    const binDir = join(cacheRoot, g.key, 'bin');
    const have = () => Object.keys(g.targets).every((t) => existsSync(join(binDir, t)));
    if (!have()) {
      if (!go) throw new Error(`k8s: the Go toolchain is needed to build ${g.name} (not cached under ${cacheRoot})`);
      mkdirSync(cacheRoot, { recursive: true });
      await withLock(join(cacheRoot, `${g.key}.lock`), () => {
        if (have()) return;
        const tmp = join(cacheRoot, `${g.key}.tmp-${process.pid}`);
        rmSync(tmp, { recursive: true, force: true });
        mkdirSync(join(tmp, 'bin'), { recursive: true });
        log(`k8s: building ${Object.keys(g.targets).join(', ')} (${g.key}); from cold, the control plane takes tens of minutes`);
        const start = Date.now();
        const r = spawnSync(
          'nice',
          ['-n', '10', 'go', 'build', '-trimpath', `-ldflags=${g.ldflags}`, '-o', join(tmp, 'bin') + '/', ...Object.values(g.targets)],
          { cwd: g.dir, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, GOFLAGS: '-mod=readonly -buildvcs=false' } },
        );
        if (r.status !== 0) {
          rmSync(tmp, { recursive: true, force: true });
          throw new Error(`k8s: go build of ${g.name} failed (exit ${r.status}):\n${(r.stdout + r.stderr).slice(-8000)}`);
        }
        // `go build -o dir/` names binaries after their package directories; rename to the target names.
        for (const [name, pkg] of Object.entries(g.targets)) {
          const produced = join(tmp, 'bin', pkg.split('/').pop());
          if (produced !== join(tmp, 'bin', name)) renameSync(produced, join(tmp, 'bin', name));
        }
        const seconds = Math.round((Date.now() - start) / 1000);
        const bytes = dirSize(join(tmp, 'bin'));
        writeFileSync(join(tmp, 'build.json'), JSON.stringify({ key: g.key, go, versions: v, seconds, bytes }, null, 2));
        rmSync(join(cacheRoot, g.key), { recursive: true, force: true });
        renameSync(tmp, join(cacheRoot, g.key));
        built.push({ key: g.key, seconds, bytes });
        log(`k8s: built ${g.key} in ${seconds} s, ${(bytes / 2 ** 20).toFixed(0)} MiB`);
      });
    }
    for (const t of Object.keys(g.targets)) bins[t] = join(binDir, t);
  }
  return { bins, built, versions: v };
}
