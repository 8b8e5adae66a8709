// The operator on the real control plane (test/k8s): CRDs installed, `rwenas operator` run as
// a process, evaluator pods run by the process kubelet through `rwenas evaluate`. Each test
// has its own namespace and operator. Sizes are tiny so the suite takes a few minutes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createNamespace, deleteNamespace, k8sSkip, kubectl, kubectlOk, waitFor } from '../k8s/cluster.js';
import { genomeHash } from '../../search/hash.js';
import { cifar10Dir } from '../evaluator/cifar-dir.js';
import {
  applyManifest,
  comparable,
  DATA_CLAIM,
  dataClaim,
  dataDir,
  evaluatorTemplate,
  experiment,
  installCrds,
  list,
  metricValue,
  root,
  runLocally,
  startOperator,
  tableCsv,
  tableExperiment,
  transitionSeconds,
  waitPhase,
  type OperatorProcess,
} from './harness.js';

const skip = k8sSkip || (!existsSync(tableCsv) && process.env.CI !== 'true' ? `no NAS-Bench-201 table at ${tableCsv}` : false);
const operators: OperatorProcess[] = [];
const namespaces: string[] = [];
const volumes: string[] = [];

async function setup(prefix: string, leaderElect = false, replicas = 1): Promise<{ ns: string; ops: OperatorProcess[] }> {
  const ns = await createNamespace(prefix);
  namespaces.push(ns);
  volumes.push(await dataClaim(ns, DATA_CLAIM, dataDir));
  const ops: OperatorProcess[] = [];
  for (let i = 0; i < replicas; i++) {
    const op = await startOperator(ns, { leaderElect, identity: `${prefix}-${i}` });
    operators.push(op);
    ops.push(op);
  }
  return { ns, ops };
}

function trialsOfCompleteJobs(jobs: { metadata: { annotations: Record<string, string> }; status?: { conditions?: { type: string; status: string }[] } }[]): string[] {
  return jobs
    .filter((j) => j.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True'))
    .flatMap((j) => j.metadata.annotations['rwenas.dev/trials'].split(','));
}

describe('operator on the test control plane', { skip, concurrency: false }, () => {
  before(async () => {
    await installCrds();
  });
  after(async () => {
    for (const op of operators) await op.kill('SIGTERM');
    for (const ns of namespaces) await deleteNamespace(ns);
    for (const pv of volumes) await kubectl(['delete', 'pv', pv, '--wait=false']);
  });

  let tableNs = '';
  test('1. a table experiment reaches Succeeded with the same Pareto front as rwenas run', async () => {
    const { ns, ops } = await setup('op-table');
    tableNs = ns;
    // examples/nb201-table.yaml, made tiny (8 x 3 generations) and with the data mapped into the pods.
    const manifest = parse(readFileSync(join(root, 'examples', 'nb201-table.yaml'), 'utf8'));
    manifest.metadata.name = 'table';
    Object.assign(manifest.spec.algorithm, { populationSize: 8, generations: 2 });
    manifest.spec.execution = { parallelism: 2, trialsPerJob: 4, template: evaluatorTemplate() };
    const local = runLocally(manifest);
    await applyManifest(ns, manifest);
    const exp = await waitPhase(ns, 'table', ['Succeeded', 'Failed', 'Invalid']);
    assert.equal(exp.status.phase, 'Succeeded', JSON.stringify(exp.status.conditions));
    assert.deepEqual(comparable(exp.status.paretoFront), comparable(local.front));
    assert.equal(exp.status.trials.evaluated, local.genomes.length);
    assert.ok(exp.status.hypervolume > 0);
    const printed = await kubectlOk(['get', 'nasexp', 'table', '-n', ns]);
    assert.match(printed, /PHASE\s+GENERATION\s+EVALUATED\s+FRONT\s+HYPERVOLUME\s+AGE/);
    assert.match(printed, /Succeeded\s+2\s+24\s+/);
    const trials = await kubectlOk(['get', 'nastrials', '-n', ns, '-l', 'rwenas.dev/experiment=table']);
    assert.match(trials, /GENERATION\s+ERROR\s+FLOPS\s+PARAMS\s+PHASE/);
    const jobs = await list(ns, 'jobs', 'rwenas.dev/experiment=table');
    const pods = await list(ns, 'pods', 'rwenas.dev/experiment=table');
    const metrics = await ops[0].metrics();
    const sum = metricValue(metrics, 'rwenas_generation_transition_seconds_sum') ?? NaN;
    const count = metricValue(metrics, 'rwenas_generation_transition_seconds_count') ?? NaN;
    console.log(`# generation transition: last result recorded -> next generation's first Job created: mean ${((sum / count) * 1000).toFixed(1)} ms over ${count} boundaries (operator clock); last pod finished -> next Job created: ${transitionSeconds(jobs, pods).join(', ')} s (API timestamps, 1 s resolution)`);
    const events = await kubectlOk(['get', 'events', '-n', ns, '--field-selector', 'involvedObject.kind=NASExperiment', '-o', 'custom-columns=REASON:.reason']);
    assert.match(events, /GenerationStarted/);
    assert.match(events, /Succeeded/);
  });

  test('7. deleting the experiment leaves no NASTrial, Job or pod behind', { skip: false }, async () => {
    assert.ok(tableNs, 'test 1 ran');
    const sel = 'rwenas.dev/experiment=table';
    assert.ok((await list(tableNs, 'nastrials', sel)).length > 0);
    await kubectlOk(['delete', 'nasexperiment', 'table', '-n', tableNs, '--wait=true', '--timeout=60s']);
    await waitFor('owned objects gone', async () => {
      const left = [...(await list(tableNs, 'nastrials', sel)), ...(await list(tableNs, 'jobs', sel)), ...(await list(tableNs, 'pods', sel))];
      return left.length === 0;
    }, { timeoutMs: 90_000, intervalMs: 1000 });
  });

  test('2. a small RWE experiment reaches Succeeded with pods run by the process kubelet', async (t) => {
    const cifar = cifar10Dir();
    if (!cifar) return t.skip('CIFAR-10 not available');
    const { ns } = await setup('op-rwe');
    volumes.push(await dataClaim(ns, 'cifar', cifar));
    const manifest = {
      apiVersion: 'rwenas.dev/v1alpha1',
      kind: 'NASExperiment',
      metadata: { name: 'rwe' },
      spec: {
        searchSpace: { name: 'nb201', proxy: { channels: 8, cells: 1 } },
        objectives: ['error', 'params'],
        algorithm: { populationSize: 4, generations: 1, seed: 2 },
        evaluation: { method: 'rwe', engine: 'onnx', threads: 1, dataset: { path: '/data/cifar10/cifar-10-batches-bin' }, rwe: { trainSamples: 200, validationSamples: 100, batchSize: 100, classifierEpochs: 5 } },
        execution: {
          parallelism: 2,
          trialsPerJob: 2,
          maxFailedTrials: 0,
          template: {
            spec: {
              containers: [{ name: 'evaluator', image: 'rwenas:test', volumeMounts: [{ name: 'cifar', mountPath: '/data/cifar10/cifar-10-batches-bin', readOnly: true }] }],
              volumes: [{ name: 'cifar', persistentVolumeClaim: { claimName: 'cifar', readOnly: true } }],
            },
          },
        },
      },
    };
    await applyManifest(ns, manifest);
    const exp = await waitPhase(ns, 'rwe', ['Succeeded', 'Failed'], 300_000);
    assert.equal(exp.status.phase, 'Succeeded', JSON.stringify(exp.status.conditions));
    assert.equal(exp.status.trials.succeeded, 8);
    const trials = await list(ns, 'nastrials', 'rwenas.dev/experiment=rwe');
    for (const tr of trials) {
      assert.ok(tr.status.objectives.error > 0 && tr.status.objectives.error < 100, JSON.stringify(tr.status));
      assert.ok(tr.status.durationSeconds > 0);
    }
    const pods = await list(ns, 'pods', 'rwenas.dev/experiment=rwe');
    assert.ok(pods.filter((p) => p.status.phase === 'Succeeded').length >= 4);
    // A retried attempt is within the spec (backoffLimit 2); say why it was needed.
    for (const p of pods.filter((x) => x.status.phase !== 'Succeeded')) {
      console.log(`# RWE pod ${p.metadata.name} ${p.status.phase}: ${JSON.stringify(p.status.containerStatuses?.[0]?.state?.terminated ?? {}).slice(0, 600)}`);
    }
  });

  test('3. SIGKILL of the operator mid-run: same front, no genome evaluated twice', async () => {
    const ns = await createNamespace('op-kill');
    namespaces.push(ns);
    volumes.push(await dataClaim(ns, DATA_CLAIM, dataDir));
    const manifest = tableExperiment('kill', { population: 8, generations: 3, trialsPerJob: 2, parallelism: 2, seed: 3 });
    const local = runLocally(manifest);
    let op = await startOperator(ns, { identity: 'kill-0' });
    operators.push(op);
    await applyManifest(ns, manifest);
    const points: [string, () => Promise<boolean>][] = [
      ['first Job created', async () => (await list(ns, 'jobs', 'rwenas.dev/experiment=kill')).length > 0],
      ['generation 1 started', async () => ((await experiment(ns, 'kill')).status?.generation ?? 0) >= 1],
      ['generation 2 started', async () => ((await experiment(ns, 'kill')).status?.generation ?? 0) >= 2],
      ['a result of generation 3 recorded', async () => (await list(ns, 'nastrials', 'rwenas.dev/experiment=kill,rwenas.dev/generation=3')).some((t) => t.status?.phase === 'Succeeded')],
    ];
    for (const [i, [what, reached]] of points.entries()) {
      await waitFor(what, reached, { timeoutMs: 120_000, intervalMs: 200 });
      assert.equal(await op.kill('SIGKILL'), null);
      op = await startOperator(ns, { identity: `kill-${i + 1}` });
      operators.push(op);
    }
    const exp = await waitPhase(ns, 'kill', ['Succeeded', 'Failed']);
    assert.equal(exp.status.phase, 'Succeeded', JSON.stringify(exp.status.conditions));
    assert.deepEqual(comparable(exp.status.paretoFront), comparable(local.front));
    const trials = await list(ns, 'nastrials', 'rwenas.dev/experiment=kill');
    const expected = local.genomes.map((g) => `kill-${genomeHash('nb201', g).slice(0, 12)}`).sort();
    assert.deepEqual(trials.map((t) => t.metadata.name).sort(), expected);
    const evaluated = trialsOfCompleteJobs(await list(ns, 'jobs', 'rwenas.dev/experiment=kill'));
    assert.equal(new Set(evaluated).size, evaluated.length, 'a trial was evaluated by two Jobs');
    assert.equal(evaluated.length, expected.length);
  });

  test('4. evaluator pods that write garbage or exit non-zero are retried, then fail per spec', async () => {
    const { ns } = await setup('op-bad');
    // A broken evaluator image, simulated: node preloads a module that writes garbage as the result and exits 0.
    const garbage = `data:text/javascript,${encodeURIComponent("import fs from 'node:fs';fs.writeFileSync('/dev/termination-log','garbage');process.exit(0)")}`;
    await applyManifest(ns, tableExperiment('garbage', { population: 4, generations: 0, trialsPerJob: 2, backoffLimit: 1, maxFailedTrials: 10, env: [{ name: 'NODE_OPTIONS', value: `--import=${garbage}` }] }));
    await applyManifest(ns, tableExperiment('crash', { population: 4, generations: 1, trialsPerJob: 4, backoffLimit: 0, maxFailedTrials: 1, tablePath: '/data/no-such-table.csv' }));
    const g = await waitPhase(ns, 'garbage', ['Succeeded', 'Failed']);
    assert.equal(g.status.phase, 'Succeeded', 'failures within maxFailedTrials: the experiment goes on');
    assert.equal(g.status.trials.failed, 4);
    const jobs = await list(ns, 'jobs', 'rwenas.dev/experiment=garbage');
    assert.deepEqual(jobs.map((j) => j.metadata.name).sort(), ['garbage-g0-b0-a0', 'garbage-g0-b0-a1', 'garbage-g0-b1-a0', 'garbage-g0-b1-a1']);
    for (const t of await list(ns, 'nastrials', 'rwenas.dev/experiment=garbage')) {
      assert.equal(t.status.phase, 'Failed');
      assert.match(t.status.message, /failed 2 time\(s\).*not a batch result/);
    }
    const c = await waitPhase(ns, 'crash', ['Succeeded', 'Failed']);
    assert.equal(c.status.phase, 'Failed');
    const failed = c.status.conditions.find((x: { type: string }) => x.type === 'Failed');
    assert.equal(failed.reason, 'TooManyFailedTrials');
    assert.match(failed.message, /more than spec\.execution\.maxFailedTrials \(1\)/);
    assert.match(failed.message, /no-such-table\.csv/);
    assert.equal((await list(ns, 'jobs', 'rwenas.dev/experiment=crash')).length, 1, 'backoffLimit 0: one attempt');
  });

  test('5. invalid manifests are refused by the API server naming the field; wrong ones get a condition', async () => {
    const { ns } = await setup('op-invalid');
    const refused = async (manifest: Record<string, unknown>, field: RegExp) => {
      const r = await kubectl(['apply', '-n', ns, '-f', '-'], { input: JSON.stringify(manifest) });
      assert.notEqual(r.code, 0, `accepted: ${JSON.stringify(manifest.spec)}`);
      assert.match(r.stderr, field);
    };
    const base = tableExperiment('bad', { population: 4, generations: 0 }) as { spec: Record<string, Record<string, unknown>> };
    const withSpec = (path: string[], value: unknown) => {
      const m = structuredClone(base) as Record<string, unknown>;
      let node = m as Record<string, unknown>;
      for (const p of path.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
      node[path[path.length - 1]] = value;
      return m;
    };
    await refused(withSpec(['spec', 'execution', 'trialsPerJob'], 17), /spec\.execution\.trialsPerJob/);
    await refused(withSpec(['spec', 'objectives'], ['error', 'error']), /spec\.objectives/);
    await refused(withSpec(['spec', 'algorithm', 'populationSize'], 5), /spec\.algorithm\.populationSize.*even/);
    await refused(withSpec(['spec', 'evaluation', 'method'], 'guess'), /spec\.evaluation\.method.*Unsupported value/);
    await refused(withSpec(['metadata', 'name'], 'x'.repeat(41)), /metadata\.name.*at most 40/);
    // Accepted by the schema, but a genome the space cannot parse: a condition that says which and why.
    await applyManifest(ns, withSpec(['spec', 'algorithm', 'initialGenomes'], ['|not_an_op~0|']));
    await applyManifest(ns, tableExperiment('good', { population: 4, generations: 0 }));
    const bad = await waitPhase(ns, 'bad', ['Invalid']);
    const valid = bad.status.conditions.find((x: { type: string }) => x.type === 'SpecValid');
    assert.equal(valid.status, 'False');
    assert.match(valid.message, /spec\.algorithm\.initialGenomes\[0\]/);
    assert.equal(valid.observedGeneration, 1);
    const good = await waitPhase(ns, 'good', ['Succeeded', 'Failed']);
    assert.equal(good.status.phase, 'Succeeded', 'the operator keeps serving other experiments');
    // A fixed field changed after the start is refused by the API server (CEL transition rules;
    // the operator's own lock, FixedFieldChanged, is covered in test/operator/fixed-fields.test.ts).
    const changed = await kubectl(['patch', 'nasexperiment', 'good', '-n', ns, '--type=merge', '-p', '{"spec":{"algorithm":{"seed":99}}}']);
    assert.notEqual(changed.code, 0);
    assert.match(changed.stderr, /spec\.algorithm: Invalid value.*are fixed once the experiment exists/s);
    assert.equal((await experiment(ns, 'good')).spec.algorithm.seed, 1);
  });

  test('8. suspend stops new Jobs and resumes; generations can be raised while running', async () => {
    const { ns, ops } = await setup('op-suspend');
    const m = tableExperiment('susp', { population: 4, generations: 0, trialsPerJob: 2 }) as { spec: Record<string, unknown> };
    m.spec.suspend = true;
    await applyManifest(ns, m);
    const s = await waitPhase(ns, 'susp', ['Suspended']);
    assert.equal(s.status.conditions.find((c: { type: string }) => c.type === 'Suspended').status, 'True');
    // A reconcile that starts after the Suspended status must still create no Job: poke the
    // experiment and wait until the operator has finished reconciling it once more.
    const reconciles = async () => metricValue(await ops[0].metrics(), 'rwenas_reconcile_duration_seconds_count', { result: 'success' }) ?? 0;
    const before = await reconciles();
    await kubectlOk(['annotate', 'nasexperiment', 'susp', '-n', ns, 'rwenas.dev/poke=1']);
    await waitFor('a reconcile after the poke', async () => (await reconciles()) > before, { timeoutMs: 60_000, intervalMs: 200 });
    assert.equal((await list(ns, 'jobs', 'rwenas.dev/experiment=susp')).length, 0);
    await kubectlOk(['patch', 'nasexperiment', 'susp', '-n', ns, '--type=merge', '-p', '{"spec":{"suspend":false,"algorithm":{"generations":1}}}']);
    const done = await waitPhase(ns, 'susp', ['Succeeded', 'Failed']);
    assert.equal(done.status.phase, 'Succeeded');
    assert.equal(done.status.generation, 1);
    assert.equal(done.status.trials.evaluated, 8);
    assert.equal(done.status.conditions.find((c: { type: string }) => c.type === 'SpecAccepted').status, 'True');
  });

  test('6. /metrics matches the status; two replicas elect one leader and fail over', async () => {
    const { ns, ops } = await setup('op-ha', true, 2);
    const leaderOf = async () => {
      const flags = await Promise.all(ops.map(async (o) => (o.proc.exitCode === null && o.proc.signalCode === null ? metricValue(await o.metrics().catch(() => ''), 'rwenas_leader') : undefined)));
      return flags;
    };
    const flags = await waitFor('one leader', async () => {
      const f = await leaderOf();
      return f.filter((x) => x === 1).length === 1 ? f : undefined;
    }, { timeoutMs: 30_000 });
    assert.deepEqual([...flags].sort(), [0, 1]);
    const leader = ops[flags.indexOf(1)];
    const standby = ops[flags.indexOf(0)];
    await applyManifest(ns, tableExperiment('ha', { population: 4, generations: 1, trialsPerJob: 2 }));
    const exp = await waitPhase(ns, 'ha', ['Succeeded', 'Failed']);
    assert.equal(exp.status.phase, 'Succeeded');
    const m = await leader.metrics();
    const l = { namespace: ns, experiment: 'ha' };
    assert.equal(metricValue(m, 'rwenas_experiment_hypervolume', l), exp.status.hypervolume);
    assert.equal(metricValue(m, 'rwenas_experiment_front_size', l), exp.status.frontSize);
    assert.equal(metricValue(m, 'rwenas_experiment_generation', l), exp.status.generation);
    assert.equal(metricValue(m, 'rwenas_trials', { ...l, state: 'succeeded' }), exp.status.trials.succeeded);
    assert.equal(metricValue(m, 'rwenas_trials', { ...l, state: 'failed' }), exp.status.trials.failed);
    assert.equal(metricValue(m, 'rwenas_experiments', { phase: 'Succeeded' }), 1);
    assert.equal(metricValue(m, 'rwenas_evaluation_duration_seconds_count', { ...l, status: 'Succeeded' }), exp.status.trials.succeeded, 'each result observed once');
    assert.ok((metricValue(m, 'rwenas_reconcile_duration_seconds_count', { result: 'success' }) ?? 0) > 0);
    assert.notEqual(metricValue(m, 'rwenas_workqueue_depth'), undefined);
    assert.equal(metricValue(await standby.metrics(), 'rwenas_experiment_front_size', l), undefined, 'the standby does not act');
    // Fail-over: the leader dies without releasing the Lease.
    const killedAt = Date.now();
    await leader.kill('SIGKILL');
    await waitFor('standby leads', async () => metricValue(await standby.metrics(), 'rwenas_leader') === 1, { timeoutMs: 30_000, intervalMs: 100 });
    const failover = (Date.now() - killedAt) / 1000;
    console.log(`# leader fail-over after SIGKILL: ${failover.toFixed(1)} s (lease duration 4 s)`);
    assert.ok(failover < 15);
    await applyManifest(ns, tableExperiment('ha2', { population: 4, generations: 0 }));
    assert.equal((await waitPhase(ns, 'ha2', ['Succeeded', 'Failed'])).status.phase, 'Succeeded');
    const lease = JSON.parse(await kubectlOk(['get', 'lease', 'rwenas-operator', '-n', ns, '-o', 'json']));
    assert.equal(lease.spec.holderIdentity, standby.identity);
  });
});
