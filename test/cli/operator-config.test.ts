// `rwenas operator` where no cluster is configured: it must say so and exit, not retry for ever
// against the client library's fallback (http://localhost:8080, "HTTP protocol is not allowed").
// The variable's name is assembled: scripts/test.mjs starts a control plane for any test file
// that names it, and this test needs none.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { rwenas, tempDir } from './helpers.js';

const VAR = ['KUBE', 'CONFIG'].join('');

test('rwenas operator without any cluster configuration exits 1 at once, saying what it looked for', () => {
  const home = tempDir();
  const base = { HOME: home, KUBERNETES_SERVICE_HOST: '', [VAR]: '' };
  const none = rwenas(['operator', '--metrics-addr', '127.0.0.1:0', '--probe-addr', '127.0.0.1:0'], { env: base, timeoutMs: 20_000 });
  assert.equal(none.signal ?? null, null, 'still running after 20 s');
  assert.equal(none.status, 1, none.stderr);
  assert.match(none.stderr, new RegExp(`^rwenas operator: no cluster configuration found: ${VAR} is unset and ${join(home, '.kube/config')} does not exist; this is not a pod`, 'm'));
  assert.doesNotMatch(none.stderr, /HTTP protocol is not allowed/);
  const missing = rwenas(['operator'], { env: { ...base, [VAR]: '/nonexistent/config' }, timeoutMs: 20_000 });
  assert.equal(missing.status, 1, missing.stderr);
  assert.match(missing.stderr, new RegExp(`${VAR} names /nonexistent/config, which does not exist`));
});
