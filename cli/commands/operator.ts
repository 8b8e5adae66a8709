// `rwenas operator`: runs the Kubernetes operator until SIGTERM (kubeconfig from KUBECONFIG,
// ~/.kube/config or the pod's service account).
import { Option, type Command } from 'commander';
import { CliError, EXIT } from '../errors.js';
import { defaultOptions, parseAddr, runOperator } from '../../operator/controller.js';

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

export function registerOperator(program: Command): void {
  const d = defaultOptions();
  const duration = (flags: string, description: string, ms: number) =>
    new Option(flags, description).argParser(seconds(flags.split(' ')[0])).default(ms, `${ms / 1000}s`);
  program
    .command('operator')
    .description('run the Kubernetes operator that reconciles NASExperiments (until SIGTERM)')
    .option('--metrics-addr <addr>', 'Prometheus /metrics listen address', address('--metrics-addr'), d.metricsAddr)
    .option('--probe-addr <addr>', '/healthz and /readyz listen address', address('--probe-addr'), d.probeAddr)
    .option('--namespace <ns>', 'watch only this namespace (default: all)')
    .option('--leader-elect', 'elect one active replica through a coordination.k8s.io Lease', false)
    .addOption(new Option('--leader-election-namespace <ns>', 'namespace of the Lease').default(d.leaseNamespace, '$POD_NAMESPACE or default'))
    .option('--leader-election-id <name>', 'name of the Lease', d.leaseName)
    .addOption(new Option('--identity <id>', 'this replica in the Lease').default(d.identity, '$POD_NAME or host_pid'))
    .addOption(duration('--lease-duration <d>', 'how long a Lease holds without renewal', d.leaseDurationMs))
    .addOption(duration('--renew-deadline <d>', 'a leader that cannot renew within this steps down', d.renewDeadlineMs))
    .addOption(duration('--retry-period <d>', 'interval of Lease attempts', d.retryPeriodMs))
    .addOption(new Option('--evaluator-image <image>', 'image of evaluator pods whose template names none').default(d.image, `$RWENAS_EVALUATOR_IMAGE or ${d.image}`))
    .option('--workers <n>', 'experiments reconciled concurrently', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new CliError([`--workers: expected an integer >= 1, got ${JSON.stringify(v)}`], EXIT.invalid);
      return n;
    }, d.workers)
    .addOption(duration('--resync <d>', 'period of full resyncs', d.resyncMs))
    .option('--no-ui', 'do not serve the read-only experiment pages (/ and /experiments/NS/NAME) on the metrics port')
    .action(async (opts) => {
      if (!(opts.renewDeadline < opts.leaseDuration)) throw new CliError(['--renew-deadline must be shorter than --lease-duration'], EXIT.invalid);
      await runOperator({
        ...d,
        namespace: opts.namespace,
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
        workers: opts.workers,
        resyncMs: opts.resync,
        ui: opts.ui !== false,
      });
      // Runs until a signal: runOperator installed the handlers that stop and exit.
      await new Promise(() => {});
    });
}
