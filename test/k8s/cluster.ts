// The test control plane, for tests that need real Kubernetes (see test/k8s/README.md).
//
// scripts/test.mjs starts one control plane per `npm test` run when a selected test file
// imports this module (or lies under test/k8s/), and exports to the test processes:
//   RWENAS_KUBECONFIG (and KUBECONFIG)  admin kubeconfig
//   RWENAS_K8S_DIR                      its state directory; pod logs in <dir>/pods/<ns>_<pod>/<container>.log
//   RWENAS_K8S_SKIP                     why there is none (outside CI only: no Go toolchain)
// Outside `npm test`, `npm run k8s:up` starts one under .k8s/, which this module also finds.
//
// API:
//   k8sSkip                     false, or the reason to skip: `describe('x', { skip: k8sSkip }, ...)`.
//                               In CI it is always false, so a missing cluster fails the tests.
//   kubeconfigPath()            path of the admin kubeconfig.
//   kubectl(args, {input})      runs kubectl against the cluster: { code, stdout, stderr }.
//   kubectlOk(args, {input})    the same, throwing with stderr on a non-zero exit; returns stdout.
//   getJson(args)               `kubectl get ... -o json`, parsed.
//   apply(manifests, ns?)       `kubectl apply` of objects (or YAML text).
//   waitFor(what, probe, opts)  polls probe() until it returns a truthy value (returned), or throws.
//   createNamespace(prefix)     a fresh namespace whose default ServiceAccount exists.
//   deleteNamespace(ns)         deletes it without waiting.
//   podLog(ns, pod, container?) a pod container's output as the process kubelet wrote it ('' if none).
//   kubeConfig()                a @kubernetes/client-node KubeConfig for the cluster.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

const root = new URL('../../', import.meta.url).pathname;
const inCi = process.env.CI === 'true';

function locate(): { dir: string; kubeconfig: string } | string {
  if (process.env.RWENAS_KUBECONFIG) {
    const kubeconfig = process.env.RWENAS_KUBECONFIG;
    return { kubeconfig, dir: process.env.RWENAS_K8S_DIR ?? join(kubeconfig, '..') };
  }
  if (process.env.RWENAS_K8S_SKIP) return process.env.RWENAS_K8S_SKIP;
  const dir = join(root, '.k8s');
  if (existsSync(join(dir, 'state.json'))) return { dir, kubeconfig: join(dir, 'kubeconfig') };
  return 'no test control plane (run the tests with `npm test`, or start one with `npm run k8s:up`)';
}

const found = locate();

/** false when a cluster is available; else why not. Never a reason in CI. */
export const k8sSkip: string | false = typeof found === 'string' && !inCi ? found : false;

function cluster(): { dir: string; kubeconfig: string } {
  if (typeof found === 'string') throw new Error(`k8s: ${found}`);
  return found;
}

export function kubeconfigPath(): string {
  return cluster().kubeconfig;
}

function kubectlBin(): string {
  const own = join(cluster().dir, 'bin', 'kubectl');
  return existsSync(own) ? own : 'kubectl';
}

export interface Result { code: number; stdout: string; stderr: string }

export function kubectl(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = execFile(kubectlBin(), ['--kubeconfig', kubeconfigPath(), ...args],
      { maxBuffer: 64 << 20, timeout: opts.timeoutMs ?? 120_000, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        if (err && code === -1) reject(err);
        else resolve({ code, stdout, stderr });
      });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

export async function kubectlOk(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
  const r = await kubectl(args, opts);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function getJson<T = any>(args: string[]): Promise<T> {
  return JSON.parse(await kubectlOk(['get', ...args, '-o', 'json'])) as T;
}

export async function apply(manifests: string | object | object[], namespace?: string): Promise<string> {
  const input = typeof manifests === 'string' ? manifests
    : JSON.stringify(Array.isArray(manifests) ? { apiVersion: 'v1', kind: 'List', items: manifests } : manifests);
  return kubectlOk(['apply', ...(namespace ? ['-n', namespace] : []), '-f', '-'], { input });
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  opts: { timeoutMs?: number; intervalMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
  }
}

let serial = 0;
export async function createNamespace(prefix: string): Promise<string> {
  const ns = `${prefix}-${process.pid}-${++serial}`.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63);
  await kubectlOk(['create', 'namespace', ns]);
  // Pods are rejected until the controller-manager has created the default ServiceAccount.
  await waitFor(`ServiceAccount ${ns}/default`, async () => (await kubectl(['get', 'serviceaccount', 'default', '-n', ns])).code === 0);
  return ns;
}

export async function deleteNamespace(ns: string): Promise<void> {
  await kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
}

export function podLog(ns: string, pod: string, container?: string): string {
  const dir = join(cluster().dir, 'pods', `${ns}_${pod}`);
  try {
    if (container) return readFileSync(join(dir, `${container}.log`), 'utf8');
    // Without a container name: the pod's only container's log.
    const logs = readdirSync(dir).filter((f) => f.endsWith('.log') && !f.endsWith('.previous.log'));
    return logs.length === 1 ? readFileSync(join(dir, logs[0]), 'utf8') : '';
  } catch {
    return '';
  }
}

export function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath());
  return kc;
}
