// Debian's prometheus binary on loopback for the e2e tests: scrapes given targets every
// second (with the chart's rules loaded), answers PromQL through its HTTP API.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { waitFor } from '../k8s/cluster.js';
import { freePort } from '../operator/harness.js';

export const PROMETHEUS = process.env.RWENAS_PROMETHEUS ?? '/usr/bin/prometheus';

export function needPrometheus(): string | false {
  if (existsSync(PROMETHEUS)) return false;
  const message = `${PROMETHEUS} not found: apt-get install -y prometheus (the Debian service need not run)`;
  if (process.env.CI === 'true') throw new Error(message);
  return message;
}

export interface PrometheusProcess {
  readonly url: string;
  readonly proc: ChildProcess;
  logs(): string;
  query(expr: string, time?: number): Promise<PromSeries[]>;
  queryRange(expr: string, start: number, end: number, stepSeconds: number): Promise<PromSeries[]>;
  stop(): Promise<void>;
}

export interface PromSeries {
  readonly metric: Record<string, string>;
  readonly value?: [number, string];
  readonly values?: [number, string][];
}

export async function startPrometheus(job: string, targets: readonly string[], rules?: object): Promise<PrometheusProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'rwenas-prometheus-'));
  const config = {
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    ...(rules ? { rule_files: [join(dir, 'rules.yaml')] } : {}),
    // honor_labels: the operator's series carry the experiment's own `namespace` label (as the chart's ServiceMonitor).
    scrape_configs: [{ job_name: job, honor_labels: true, static_configs: [{ targets }] }],
  };
  if (rules) writeFileSync(join(dir, 'rules.yaml'), stringify(rules));
  writeFileSync(join(dir, 'prometheus.yml'), stringify(config));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = spawn(PROMETHEUS, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--web.enable-lifecycle'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => proc.on('exit', () => r()));
  await waitFor('prometheus ready', async () => {
    if (proc.exitCode !== null) throw new Error(`prometheus exited ${proc.exitCode}: ${out.slice(-2000)}`);
    return (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok;
  }, { timeoutMs: 60_000 });
  const api = async (path: string, params: Record<string, string>): Promise<PromSeries[]> => {
    const res = await fetch(`${url}/api/v1/${path}?${new URLSearchParams(params)}`);
    const body = (await res.json()) as { status: string; error?: string; data?: { result: PromSeries[] } };
    if (body.status !== 'success') throw new Error(`${path} ${params.query}: ${body.error}`);
    return body.data!.result;
  };
  return {
    url,
    proc,
    logs: () => out,
    query: (expr, time) => api('query', { query: expr, ...(time ? { time: String(time) } : {}) }),
    queryRange: (expr, start, end, step) => api('query_range', { query: expr, start: String(start), end: String(end), step: String(step) }),
    stop: async () => {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}
