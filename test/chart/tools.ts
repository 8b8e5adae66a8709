// helm and kubectl for the chart tests: the control plane's binaries (.k8s/bin, from
// `npm run k8s:up`) or ones on PATH, and its kubeconfig. Outside CI a missing tool skips the
// suite with a reason; in CI (CI=true) it fails, so the chart is never silently untested.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const CHART = join(ROOT, 'charts', 'rwenas');
export const IN_CI = process.env.CI === 'true';

export function findTool(name: string): string | undefined {
  const local = join(ROOT, '.k8s', 'bin', name);
  if (existsSync(local)) return local;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  // Built but no cluster started for this run (scripts/k8s-build.mjs caches by version).
  const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'rwenas', 'k8s');
  if (existsSync(cache)) {
    for (const key of readdirSync(cache).sort().reverse()) {
      if (existsSync(join(cache, key, 'bin', name))) return join(cache, key, 'bin', name);
    }
  }
  return undefined;
}

/** The test cluster's kubeconfig if it is up (scripts/test.mjs exports KUBECONFIG). */
export function kubeconfig(): string | undefined {
  for (const p of [process.env.KUBECONFIG, join(ROOT, '.k8s', 'kubeconfig')]) {
    if (p && existsSync(p)) return p;
  }
  return undefined;
}

/** undefined when usable; else why not. Throws in CI. */
export function unavailable(what: string, missing: boolean): string | undefined {
  if (!missing) return undefined;
  const reason = `${what} not found (run \`npm run k8s:up\`, which builds and links .k8s/bin/)`;
  if (IN_CI) throw new Error(`CI: ${reason}`);
  return reason;
}

// Helm writes caches and repository config under HOME; keep that out of the user's.
const helmHome = mkdtempSync(join(tmpdir(), 'rwenas-helm-'));
const helmEnv = {
  ...process.env,
  HELM_CACHE_HOME: join(helmHome, 'cache'),
  HELM_CONFIG_HOME: join(helmHome, 'config'),
  HELM_DATA_HOME: join(helmHome, 'data'),
};

export interface Run { status: number; stdout: string; stderr: string }

function run(bin: string, args: string[], input?: string, env: NodeJS.ProcessEnv = process.env): Run {
  const r: SpawnSyncReturns<string> = spawnSync(bin, args, { input, env, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 120_000 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function helm(args: string[]): Run {
  const bin = findTool('helm');
  if (!bin) throw new Error('helm not found');
  const kc = kubeconfig();
  return run(bin, kc ? [...args, '--kubeconfig', kc] : args, undefined, helmEnv);
}

export function kubectl(args: string[], input?: string): Run {
  const bin = findTool('kubectl');
  const kc = kubeconfig();
  if (!bin || !kc) throw new Error('kubectl or kubeconfig not found');
  return run(bin, ['--kubeconfig', kc, ...args], input);
}

export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> } } & Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** `helm template` with --set/-f style arguments; throws with helm's stderr on failure. */
export function render(extra: string[] = [], release = 'rw', namespace = 'rwenas-system'): Manifest[] {
  const r = helm(['template', release, CHART, '--namespace', namespace, ...extra]);
  if (r.status !== 0) throw new Error(`helm template failed:\n${r.stderr}`);
  return parseManifests(r.stdout);
}

export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length) throw new Error(`rendered YAML is invalid: ${d.errors[0].message}`);
      return d.toJS() as Manifest | null;
    })
    .filter((m): m is Manifest => m !== null);
}

export function one(ms: Manifest[], kind: string, nameSuffix = ''): Manifest {
  const found = ms.filter((m) => m.kind === kind && m.metadata.name.endsWith(nameSuffix));
  if (found.length !== 1) throw new Error(`expected one ${kind} *${nameSuffix}, found ${found.length}`);
  return found[0];
}

export function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}
