#!/usr/bin/env node
// `npm test`: builds, then runs every test/**/*.test.ts with Node's test runner.
// When a selected file needs Kubernetes (it lies under test/k8s/, or names test/k8s/cluster.js
// or a kubeconfig),
// one test control plane is started for the run in .k8s/test-<pid>/ (so parallel runs and
// `npm run k8s:up` never collide), exported as RWENAS_KUBECONFIG/KUBECONFIG/RWENAS_K8S_DIR
// with its bin/ first on PATH, and stopped afterwards. A cluster already named by
// RWENAS_KUBECONFIG is used as is. In CI (CI=true) a control plane that cannot be built or
// started fails the run; elsewhere only a missing Go toolchain skips those suites.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { goVersion } from './k8s-build.mjs';
import { down, up } from './k8s-cluster.mjs';

const root = new URL('..', import.meta.url).pathname;
const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const only = process.argv.slice(2);
const files = readdirSync(join(root, 'test'), { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.test.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort()
  .map((f) => join('test', f));
if (files.length === 0) {
  // node --test without files would discover (and recurse into) this script.
  console.error(`no test file under test/ matches ${only.join(', ')}`);
  process.exit(1);
}

const inCi = process.env.CI === 'true';
const needsK8s = files.some((f) => f.startsWith(join('test', 'k8s')) || /k8s\/cluster\.js|\bkubeconfig\b/i.test(readFileSync(join(root, f), 'utf8')));
const env = { ...process.env };
let cluster = null;
// The test runner gets ^C itself; this process only has to stop the cluster afterwards.
let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => (interrupted = true));
if (needsK8s && !env.RWENAS_KUBECONFIG) {
  if (!goVersion() && !inCi) {
    env.RWENAS_K8S_SKIP = 'no Go toolchain to build the test control plane: Kubernetes suites skipped';
    console.error(`k8s: ${env.RWENAS_K8S_SKIP}`);
  } else {
    try {
      cluster = await up({ dir: join(root, '.k8s', `test-${process.pid}`) });
    } catch (e) {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    }
  }
  if (cluster) {
    Object.assign(env, { RWENAS_KUBECONFIG: cluster.kubeconfig, KUBECONFIG: cluster.kubeconfig, RWENAS_K8S_DIR: cluster.dir, PATH: `${cluster.bin}:${env.PATH}` });
  }
}
const stop = async () => (cluster ? down({ dir: cluster.dir }) : []);
if (interrupted) {
  await stop();
  process.exit(130);
}

const run = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files],
  { cwd: root, stdio: 'inherit', env },
);
const crashed = await stop();
if (crashed.length) console.error(`k8s: ${crashed.map((c) => c.name).join(', ')} crashed during the tests (logs above)`);
process.exit(run.status || (crashed.length ? 1 : 0));
