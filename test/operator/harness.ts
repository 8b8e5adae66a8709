// Helpers for the operator's tests on the real control plane: install the CRDs, run
// `rwenas operator` as a process (as a Deployment would), scrape its metrics, build small
// experiment manifests, and run the same manifest locally for comparison.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { apply, createNamespace, deleteNamespace, getJson, kubeconfigPath, kubectl, kubectlOk, waitFor } from '../k8s/cluster.js';

export const root = new URL('../../', import.meta.url).pathname;
export const dataDir = process.env.RWENAS_DATA_DIR ?? join(root, '..', 'shared', 'data');
export const tableCsv = join(dataDir, 'nasbench201', 'nb201-cifar10.csv');

let crdsInstalled = false;
export async function installCrds(): Promise<void> {
  if (crdsInstalled) return;
  await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', join(root, 'crds')]);
  // Right after apply a CRD may have no conditions yet, which `kubectl wait` reports as an error.
  await waitFor('the CRDs Established', async () => (await kubectl(['wait', '--for=condition=Established', '--timeout=10s', 'crd/nasexperiments.rwenas.dev', 'crd/nastrials.rwenas.dev'])).code === 0, { timeoutMs: 60_000 });
  crdsInstalled = true;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export interface OperatorProcess {
  proc: ChildProcess;
  identity: string;
  metricsPort: number;
  probePort: number;
  /** Its JSON log lines so far. */
  logs(): string;
  metrics(): Promise<string>;
  /** Sends a signal and waits for the exit. */
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

export async function startOperator(namespace: string, opts: { leaderElect?: boolean; identity?: string; args?: string[]; kubeconfig?: string } = {}): Promise<OperatorProcess> {
  const metricsPort = await freePort();
  const probePort = await freePort();
  const identity = opts.identity ?? `op-${metricsPort}`;
  const args = [
    join(root, 'bin', 'rwenas'), 'operator',
    '--namespace', namespace,
    '--metrics-addr', `127.0.0.1:${metricsPort}`,
    '--probe-addr', `127.0.0.1:${probePort}`,
    '--identity', identity,
    '--resync', '10s',
  ];
  args.push(...(opts.args ?? []));
  if (opts.leaderElect) args.push('--leader-elect', '--leader-election-namespace', namespace, '--lease-duration', '4s', '--renew-deadline', '3s', '--retry-period', '500ms');
  const proc = spawn(process.execPath, args, { env: { ...process.env, KUBECONFIG: opts.kubeconfig ?? kubeconfigPath() }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  const op: OperatorProcess = {
    proc,
    identity,
    metricsPort,
    probePort,
    logs: () => out,
    metrics: async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text(),
    kill: async (signal) => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
  await waitFor(`operator ${identity} ready`, async () => {
    if (proc.exitCode !== null) throw new Error(`operator exited ${proc.exitCode}: ${out.slice(-2000)}`);
    return (await fetch(`http://127.0.0.1:${probePort}/readyz`).catch(() => undefined))?.ok;
  }, { timeoutMs: 60_000 });
  return op;
}

/** The value of one series in Prometheus text, e.g. metric('rwenas_leader', '') or with labels `{experiment="x"}`. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[3] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[4]);
  }
  return undefined;
}

/** A small table-method experiment (nb201), data mapped into evaluator pods at /data. */
export function tableExperiment(name: string, over: { population?: number; generations?: number; seed?: number; trialsPerJob?: number; parallelism?: number; backoffLimit?: number; maxFailedTrials?: number; tablePath?: string; env?: { name: string; value: string }[] } = {}): Record<string, unknown> {
  return {
    apiVersion: 'rwenas.dev/v1alpha1',
    kind: 'NASExperiment',
    metadata: { name },
    spec: {
      searchSpace: { name: 'nb201' },
      objectives: ['error', 'flops'],
      algorithm: { name: 'nsga2', populationSize: over.population ?? 8, generations: over.generations ?? 2, seed: over.seed ?? 1 },
      evaluation: { method: 'table', table: { path: over.tablePath ?? '/data/nasbench201/nb201-cifar10.csv' } },
      execution: {
        parallelism: over.parallelism ?? 2,
        trialsPerJob: over.trialsPerJob ?? 4,
        backoffLimit: over.backoffLimit ?? 1,
        maxFailedTrials: over.maxFailedTrials ?? 0,
        template: evaluatorTemplate(over.env),
      },
    },
  };
}

/** Claim `data` (for evaluatorTemplate): the shared data read-only, as a cluster would offer it. */
export const DATA_CLAIM = 'data';

export function evaluatorTemplate(env: { name: string; value: string }[] = []): Record<string, unknown> {
  return {
    spec: {
      containers: [{ name: 'evaluator', image: 'rwenas:test', env, volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }], resources: { limits: { 'nvidia.com/gpu': 1 } } }],
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: DATA_CLAIM, readOnly: true } }],
    },
  };
}

/**
 * A PersistentVolumeClaim `claim` in `ns`, bound to a hostPath PV of `path` (the process kubelet
 * mounts a claim through its PV's path): the template allow-list has no hostPath volumes.
 * Returns the PV's name (cluster-scoped) for clean-up.
 */
export async function dataClaim(ns: string, claim: string, path: string): Promise<string> {
  const pv = `${ns}-${claim}`.slice(0, 253);
  await apply({
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: pv },
    spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadOnlyMany'], storageClassName: 'manual', hostPath: { path }, persistentVolumeReclaimPolicy: 'Retain', claimRef: { namespace: ns, name: claim } },
  });
  await apply({
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: claim },
    spec: { accessModes: ['ReadOnlyMany'], storageClassName: 'manual', volumeName: pv, resources: { requests: { storage: '1Gi' } } },
  }, ns);
  await waitFor(`claim ${ns}/${claim} bound`, async () => (await getJson(['pvc', claim, '-n', ns])).status?.phase === 'Bound', { timeoutMs: 60_000 });
  return pv;
}

/** `rwenas run` of a manifest with the table at its local path; returns front.json and trials.jsonl. */
export function runLocally(manifest: Record<string, unknown>): { front: { trial: string; genome: string; objectives: Record<string, number> }[]; genomes: string[]; trials: { genome: string; status: string; objectives: Record<string, number> }[] } {
  const dir = mkdtempSync(join(tmpdir(), 'rwenas-local-'));
  const file = join(dir, 'experiment.yaml');
  writeFileSync(file, stringify(manifest));
  const r = spawnSync(process.execPath, [join(root, 'bin', 'rwenas'), 'run', file, '--out', join(dir, 'out'), '--log-format', 'json', '--set', `spec.evaluation.table.path=${tableCsv}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`rwenas run failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const front = JSON.parse(readFileSync(join(dir, 'out', 'front.json'), 'utf8'));
  const trials = readFileSync(join(dir, 'out', 'trials.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  return { front, genomes: trials.map((t) => t.genome as string), trials };
}

export async function applyManifest(ns: string, manifest: Record<string, unknown>): Promise<void> {
  await kubectlOk(['apply', '-n', ns, '-f', '-'], { input: JSON.stringify(manifest) });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function experiment(ns: string, name: string): Promise<any> {
  return getJson(['nasexperiment', name, '-n', ns]);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function waitPhase(ns: string, name: string, phases: string[], timeoutMs = 180_000): Promise<any> {
  return waitFor(`${ns}/${name} in phase ${phases.join('|')}`, async () => {
    const e = await experiment(ns, name);
    return phases.includes(e.status?.phase) ? e : undefined;
  }, { timeoutMs, intervalMs: 500 });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function list(ns: string, kind: string, selector?: string): Promise<any[]> {
  return (await getJson([kind, '-n', ns, ...(selector ? ['-l', selector] : [])])).items;
}

/** Front entries comparable between the operator's status and `rwenas run`'s front.json. */
export function comparable(front: { genome: string; objectives: Record<string, number> }[]): { genome: string; objectives: Record<string, number> }[] {
  return front.map((f) => ({ genome: f.genome, objectives: f.objectives })).sort((a, b) => (a.genome < b.genome ? -1 : 1));
}

/**
 * Seconds from a generation's last evaluator pod finishing to the next generation's first Job,
 * from API timestamps (1 s resolution), per generation boundary.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function transitionSeconds(jobs: any[], pods: any[]): number[] {
  const gens = [...new Set(jobs.map((j) => Number(j.metadata.labels['rwenas.dev/generation'])))].sort((a, b) => a - b);
  const out: number[] = [];
  for (const g of gens.slice(1)) {
    const finished = pods
      .filter((p) => Number(p.metadata.labels['rwenas.dev/generation']) === g - 1)
      .map((p) => Date.parse(p.status?.containerStatuses?.[0]?.state?.terminated?.finishedAt ?? ''))
      .filter((t) => !Number.isNaN(t));
    const created = jobs.filter((j) => Number(j.metadata.labels['rwenas.dev/generation']) === g).map((j) => Date.parse(j.metadata.creationTimestamp));
    if (finished.length && created.length) out.push((Math.min(...created) - Math.max(...finished)) / 1000);
  }
  return out;
}

/**
 * A TCP proxy in front of the API server, and a kubeconfig that goes through it: freeze()
 * stops moving bytes on every connection, old and new (a network partition in which requests
 * hang rather than fail), thaw() resumes. A real network fault, not a stand-in for the API.
 */
export async function apiProxy(): Promise<{ kubeconfig: string; freeze(): void; thaw(): void; close(): Promise<void> }> {
  const original = readFileSync(kubeconfigPath(), 'utf8');
  const target = new URL(/server:\s*(\S+)/.exec(original)![1]);
  let frozen = false;
  // Bytes that arrive while frozen are held (not dropped: that would fail requests rather than hang them).
  const held: (() => void)[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const forward = (from: import('node:net').Socket, to: import('node:net').Socket) =>
    from.on('data', (d) => (frozen ? held.push(() => to.write(d)) : to.write(d)));
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
    forward(client, upstream);
    forward(upstream, client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const dir = mkdtempSync(join(tmpdir(), 'rwenas-proxy-'));
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, original.replace(target.origin, `${target.protocol}//127.0.0.1:${port}`));
  return {
    kubeconfig,
    freeze: () => {
      frozen = true;
    },
    thaw: () => {
      frozen = false;
      for (const write of held.splice(0)) write();
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/**
 * A test file's namespaces, each with the CRDs installed and the data claim bound, and the
 * operators it started (push them to `operators`); `cleanup()` (in `after`) removes them all.
 */
export function e2eFixture(): { operators: OperatorProcess[]; namespace(prefix: string): Promise<string>; cleanup(): Promise<void> } {
  const operators: OperatorProcess[] = [];
  const namespaces: string[] = [];
  const volumes: string[] = [];
  return {
    operators,
    async namespace(prefix) {
      await installCrds();
      const ns = await createNamespace(prefix);
      namespaces.push(ns);
      volumes.push(await dataClaim(ns, DATA_CLAIM, dataDir));
      return ns;
    },
    async cleanup() {
      for (const op of operators) await op.kill('SIGTERM');
      for (const ns of namespaces) await deleteNamespace(ns);
      for (const pv of volumes) await kubectl(['delete', 'pv', pv, '--wait=false']);
    },
  };
}
