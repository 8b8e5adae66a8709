#!/usr/bin/env node
// `npm run k8s:build | k8s:up | k8s:down`: the test control plane (see test/k8s/README.md).
// `--dir <path>` picks another state directory than .k8s/ (e.g. a second cluster).
import { ensureBinaries } from './k8s-build.mjs';
import { defaultDir, down, up } from './k8s-cluster.mjs';

const [cmd, ...rest] = process.argv.slice(2);
const i = rest.indexOf('--dir');
const dir = i >= 0 ? rest[i + 1] : defaultDir;
try {
  if (cmd === 'build') {
    const { bins, built, versions } = await ensureBinaries();
    console.log(JSON.stringify({ versions, built, bins }, null, 2));
  } else if (cmd === 'up') {
    const r = await up({ dir });
    console.log(`export KUBECONFIG=${r.kubeconfig}`);
  } else if (cmd === 'down') {
    const dead = await down({ dir });
    if (dead.length) process.exitCode = 1;
  } else {
    console.error('usage: node scripts/k8s.mjs build|up|down [--dir <state dir>]');
    process.exitCode = 2;
  }
} catch (e) {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
}
