// The chart's alerting rules (metrics.prometheusRule) under Prometheus's own rule tester:
// `promtool test rules` on the rules as helm renders them, with series shaped like the
// operator's (operator/metrics.ts): each alert fires when it should and stays quiet otherwise.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { findTool, one, render } from '../chart/tools.js';

const PROMTOOL = process.env.RWENAS_PROMTOOL ?? '/usr/bin/promtool';
const missing = !existsSync(PROMTOOL) ? `${PROMTOOL} not found: apt-get install -y prometheus` : !findTool('helm') ? 'helm not found (npm run k8s:build)' : false;
if (missing && process.env.CI === 'true') throw new Error(missing);

const failing = (name: string, pct: string) => ({
  summary: `NASExperiment ml/${name}: ${pct} of recent trials failed`,
  description: "Above 0.25 over 15 minutes; the experiment fails once spec.execution.maxFailedTrials is exceeded. The reasons are in the NASTrials' status.",
});
const DOWN = { summary: 'The rwenas operator is down', description: 'No target of job rw-rwenas-metrics has been up for 5m: experiments are not reconciled.' };
const exp = (name: string) => `namespace="ml",experiment="${name}"`;

test('the PrometheusRule is off by default and renders when enabled', { skip: missing }, () => {
  assert.ok(!render().some((m) => m.kind === 'PrometheusRule'));
  const rule = one(render(['--set', 'metrics.prometheusRule.enabled=true', '--set', 'metrics.prometheusRule.labels.release=kps']), 'PrometheusRule');
  assert.equal(rule.metadata.labels?.release, 'kps');
  assert.deepEqual(rule.spec.groups[0].rules.map((r: { alert: string }) => r.alert), ['RwenasExperimentStuck', 'RwenasTrialFailureRate', 'RwenasOperatorDown']);
});

test('promtool test rules: stuck experiment, failed-trial rate, operator down', { skip: missing }, () => {
  const rule = one(render(['--set', 'metrics.prometheusRule.enabled=true']), 'PrometheusRule');
  const dir = mkdtempSync(join(tmpdir(), 'rwenas-rules-'));
  writeFileSync(join(dir, 'rules.yaml'), stringify({ groups: rule.spec.groups }));
  const check = spawnSync(PROMTOOL, ['check', 'rules', join(dir, 'rules.yaml')], { encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  const tests = {
    rule_files: ['rules.yaml'],
    evaluation_interval: '1m',
    tests: [
      {
        interval: '1m',
        input_series: [
          // "stuck": 2 trials running, 5 finished and never more, for 60 minutes.
          { series: `rwenas_trials{${exp('stuck')},state="running"}`, values: '2x60' },
          { series: `rwenas_trials{${exp('stuck')},state="succeeded"}`, values: '5x60' },
          // "moving": running too, but a trial finishes every minute.
          { series: `rwenas_trials{${exp('moving')},state="running"}`, values: '2x60' },
          { series: `rwenas_trials{${exp('moving')},state="succeeded"}`, values: '0+1x60' },
          // "done": nothing pending or running; nothing changes (finished, not stuck).
          { series: `rwenas_trials{${exp('done')},state="pending"}`, values: '0x60' },
          { series: `rwenas_trials{${exp('done')},state="succeeded"}`, values: '24x60' },
        ],
        alert_rule_test: [
          // Not before the 30 minutes are over (the series are 20 minutes old).
          { eval_time: '20m', alertname: 'RwenasExperimentStuck', exp_alerts: [] },
          {
            eval_time: '40m',
            alertname: 'RwenasExperimentStuck',
            exp_alerts: [{ exp_labels: { severity: 'warning', namespace: 'ml', experiment: 'stuck' }, exp_annotations: { summary: 'NASExperiment ml/stuck makes no progress', description: 'Trials are pending or running but none finished in 30m. Check its Jobs and evaluator pods (kubectl describe nasexp, kubectl get jobs -l rwenas.dev/experiment=...).' } }],
          },
        ],
      },
      {
        interval: '1m',
        input_series: [
          // "flaky": one failure and one success a minute (50%); "broken": only failures;
          // "healthy": one failure per 10 successes.
          { series: `rwenas_trials_failed_total{${exp('flaky')}}`, values: '0+1x40' },
          { series: `rwenas_evaluation_duration_seconds_count{${exp('flaky')},status="Succeeded"}`, values: '0+1x40' },
          { series: `rwenas_trials_failed_total{${exp('broken')}}`, values: '0+2x40' },
          { series: `rwenas_trials_failed_total{${exp('healthy')}}`, values: '0+1x40' },
          { series: `rwenas_evaluation_duration_seconds_count{${exp('healthy')},status="Succeeded"}`, values: '0+10x40' },
        ],
        alert_rule_test: [
          { eval_time: '3m', alertname: 'RwenasTrialFailureRate', exp_alerts: [] },
          {
            eval_time: '20m',
            alertname: 'RwenasTrialFailureRate',
            exp_alerts: [
              { exp_labels: { severity: 'warning', namespace: 'ml', experiment: 'broken' }, exp_annotations: failing('broken', '100%') },
              { exp_labels: { severity: 'warning', namespace: 'ml', experiment: 'flaky' }, exp_annotations: failing('flaky', '50%') },
            ],
          },
        ],
      },
      {
        interval: '1m',
        // Up for 10 minutes, then the target is down.
        input_series: [{ series: 'up{job="rw-rwenas-metrics",instance="10.0.0.1:8080"}', values: '1x10 0x30' }],
        alert_rule_test: [
          { eval_time: '10m', alertname: 'RwenasOperatorDown', exp_alerts: [] },
          { eval_time: '13m', alertname: 'RwenasOperatorDown', exp_alerts: [] },
          { eval_time: '20m', alertname: 'RwenasOperatorDown', exp_alerts: [{ exp_labels: { severity: 'critical', job: 'rw-rwenas-metrics' }, exp_annotations: DOWN }] },
        ],
      },
      {
        interval: '1m',
        // Never scraped at all (a Prometheus that lost the target): absent() fires too.
        input_series: [{ series: 'up{job="something-else"}', values: '1x20' }],
        alert_rule_test: [{ eval_time: '10m', alertname: 'RwenasOperatorDown', exp_alerts: [{ exp_labels: { severity: 'critical', job: 'rw-rwenas-metrics' }, exp_annotations: DOWN }] }],
      },
    ],
  };
  writeFileSync(join(dir, 'tests.yaml'), stringify(tests));
  const r = spawnSync(PROMTOOL, ['test', 'rules', join(dir, 'tests.yaml')], { encoding: 'utf8', cwd: dir });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /SUCCESS/);
});
