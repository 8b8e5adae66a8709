// `rwenas operator`: runs the Kubernetes operator until SIGTERM (kubeconfig from KUBECONFIG,
// ~/.kube/config or the pod's service account).
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Option, type Command } from 'commander';
import { CliError, EXIT } from '../errors.js';
import { defaultOptions, parseAddr, runOperator } from '../../operator/controller.js';

// Kubernetes namespace names: DNS-1123 labels.
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function namespaceList(value: string): string[] {
  const names = value.split(',').map((n) => n.trim());
  const bad = names.find((n) => !NAMESPACE.test(n));
  if (bad !== undefined) throw new CliError([`--namespace: expected namespace names separated by commas, got ${JSON.stringify(bad)} in ${JSON.stringify(value)}`], EXIT.invalid);
  return [...new Set(names)];
}

function seconds(flag: string) {
  return (value: string): number => {
    const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(value);
    if (!m) throw new CliError([`${flag}: expected a duration such as 15s or 500ms, got ${JSON.stringify(value)}`], EXIT.invalid);
    return Number(m[1]) * (m[2] === 'ms' ? 1 : 1000);
  };
}

function address(flag: string) {
  return (value: string): string => {
    try {
      parseAddr(value);
    } catch (err) {
      throw new CliError([`${flag}: ${(err as Error).message}`], EXIT.invalid);
    }
    return value;
  };
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * Where the client would find a cluster, in its own order, or why it would not. Without any,
 * the client library falls back to http://localhost:8080, and every watch fails for ever with
 * "HTTP protocol is not allowed...": refuse instead, saying what was looked for.
 */
export function clusterConfigProblem(env: NodeJS.ProcessEnv = process.env, home = homedir()): string | undefined {
  const listed = (env.KUBECONFIG ?? '').split(delimiter).filter((p) => p !== '');
  if (listed.some((p) => existsSync(p))) return undefined;
  const user = join(home, '.kube', 'config');
  if (listed.length === 0 && existsSync(user)) return undefined;
  if (env.KUBERNETES_SERVICE_HOST && existsSync(SERVICE_ACCOUNT_TOKEN)) return undefined;
  const looked = [
    listed.length > 0 ? `KUBECONFIG names ${listed.join(delimiter)}, which does not exist` : `KUBECONFIG is unset and ${user} does not exist`,
    env.KUBERNETES_SERVICE_HOST ? `no service account token at ${SERVICE_ACCOUNT_TOKEN}` : 'this is not a pod (KUBERNETES_SERVICE_HOST is unset)',
  ];
  return `no cluster configuration found: ${looked.join('; ')}. Set KUBECONFIG=FILE (or create ~/.kube/config), or run the operator in the cluster with a service account.`;
}

export function registerOperator(program: Command): void {
  const d = defaultOptions();
  const duration = (flags: string, description: string, ms: number) =>
    new Option(flags, description).argParser(seconds(flags.split(' ')[0])).default(ms, `${ms / 1000}s`);
  program
    .command('operator')
    .description('run the Kubernetes operator that reconciles NASExperiments (until SIGTERM)')
    .option('--metrics-addr <addr>', 'Prometheus /metrics listen address', address('--metrics-addr'), d.metricsAddr)
    .option('--probe-addr <addr>', '/healthz and /readyz listen address', address('--probe-addr'), d.probeAddr)
    .option('--namespace <ns,...>', 'watch only these namespaces, comma-separated (default: all); a Role in each suffices', namespaceList)
    .option('--leader-elect', 'elect one active replica through a coordination.k8s.io Lease', false)
    .addOption(new Option('--leader-election-namespace <ns>', 'namespace of the Lease').default(d.leaseNamespace, '$POD_NAMESPACE or default'))
    .option('--leader-election-id <name>', 'name of the Lease', d.leaseName)
    .addOption(new Option('--identity <id>', 'this replica in the Lease').default(d.identity, '$POD_NAME or host_pid'))
    .addOption(duration('--lease-duration <d>', 'how long a Lease holds without renewal', d.leaseDurationMs))
    .addOption(duration('--renew-deadline <d>', 'a leader that cannot renew within this steps down', d.renewDeadlineMs))
    .addOption(duration('--retry-period <d>', 'interval of Lease attempts', d.retryPeriodMs))
    .addOption(new Option('--evaluator-image <image>', 'image of evaluator pods whose template names none').default(d.image, `$RWENAS_EVALUATOR_IMAGE or ${d.image}`))
    .option('--evaluator-service-account <name>', 'ServiceAccount of evaluator pods, created (no RBAC, no token) in each experiment namespace', d.evaluatorServiceAccount)
    .addOption(duration('--job-ttl <d>', 'how long finished evaluator Jobs and their pods are kept (ttlSecondsAfterFinished)', d.jobTtlSeconds * 1000))
    .option('--workers <n>', 'experiments reconciled concurrently', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new CliError([`--workers: expected an integer >= 1, got ${JSON.stringify(v)}`], EXIT.invalid);
      return n;
    }, d.workers)
    .addOption(duration('--resync <d>', 'period of full resyncs', d.resyncMs))
    .option('--no-ui', 'do not serve the read-only experiment pages (/ and /experiments/NS/NAME) on the metrics port')
    .action(async (opts) => {
      if (!(opts.renewDeadline < opts.leaseDuration)) throw new CliError(['--renew-deadline must be shorter than --lease-duration'], EXIT.invalid);
      const problem = clusterConfigProblem();
      if (problem) throw new CliError([`rwenas operator: ${problem}`], EXIT.failed);
      await runOperator({
        ...d,
        namespaces: opts.namespace ?? [],
        metricsAddr: opts.metricsAddr,
        probeAddr: opts.probeAddr,
        leaderElect: Boolean(opts.leaderElect),
        leaseNamespace: opts.leaderElectionNamespace,
        leaseName: opts.leaderElectionId,
        identity: opts.identity,
        leaseDurationMs: opts.leaseDuration,
        renewDeadlineMs: opts.renewDeadline,
        retryPeriodMs: opts.retryPeriod,
        image: opts.evaluatorImage,
        evaluatorServiceAccount: opts.evaluatorServiceAccount,
        jobTtlSeconds: Math.max(0, Math.round(opts.jobTtl / 1000)),
        workers: opts.workers,
        resyncMs: opts.resync,
        ui: opts.ui !== false,
      });
      // Runs until a signal: runOperator installed the handlers that stop and exit.
      await new Promise(() => {});
    });
}
