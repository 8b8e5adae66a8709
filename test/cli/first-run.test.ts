// The first run of a user who has only the repository: the shipped NAS-Bench-201 table, and
// CIFAR-10 fetched into the user cache (here from a loopback server: this machine is offline),
// the offline failure, and the data set errors that must name the field to change.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { cifar10Dir, needsCifar } from '../evaluator/cifar-dir.js';
import { needData, ROOT, rwenas, rwenasAsync, TABLE, tempDir } from './helpers.js';

const read = (dir: string, name: string) => readFileSync(join(dir, name), 'utf8');
const FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin', 'batches.meta.txt'];
// A short naswot+params run: 4 cells, generation 0 only.
const SMALL = ['--set', 'spec.algorithm.populationSize=4', '--set', 'spec.algorithm.generations=0', '--workers', '1', '--log-format', 'json'];

test('examples/nb201-table.yaml runs with no --set on the shipped table, which is the shared CSV exactly', () => {
  const out = tempDir();
  const r = rwenas(['run', 'examples/nb201-table.yaml', '--out', out, '--log-format', 'json']);
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(read(out, 'summary.json'));
  assert.equal(summary.done, true);
  assert.equal(summary.evaluations, 420);
  assert.equal(summary.failed, 0);
  if (needData(TABLE)) return;
  // The same search on the shared CSV: the same front, byte for byte; and the script's check passes.
  const shared = tempDir();
  assert.equal(rwenas(['run', 'examples/nb201-table.yaml', '--out', shared, '--log-format', 'json', '--set', `spec.evaluation.table.path=${TABLE}`]).status, 0);
  assert.equal(read(out, 'front.json'), read(shared, 'front.json'));
  const check = spawnSync(process.execPath, ['scripts/nb201-table.mjs', '--check', TABLE], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(check.status, 0, check.stderr);
  assert.match(check.stdout, /ok, 15625 cells/);
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; base: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function cifarArchive(dir: string): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c) => chunks.push(c as Buffer));
  const done = new Promise<void>((r) => p.on('end', () => r()));
  for (const f of FILES) p.entry({ name: `cifar-10-batches-bin/${f}` }, readFileSync(join(dir, f)));
  p.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks), { level: 1 });
}

test('first run of the default estimator: CIFAR-10 is downloaded into the user cache (MD5-checked), then reused offline', needsCifar(), async () => {
  const archive = await cifarArchive(cifar10Dir()!);
  const md5 = createHash('md5').update(archive).digest('hex');
  let served = 0;
  const { server, base } = await serve((req, res) => {
    served++;
    res.writeHead(200, { 'content-length': archive.length }).end(archive);
  });
  const cache = tempDir();
  const env = { XDG_CACHE_HOME: cache, RWENAS_CIFAR10_URL: `${base}/cifar-10-binary.tar.gz`, RWENAS_CIFAR10_MD5: md5 };
  try {
    const r = await rwenasAsync(['run', 'examples/nb201-default.yaml', '--out', tempDir(), ...SMALL], { env });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /CIFAR-10 is not in the cache yet: downloading it once/);
    assert.match(r.stderr, /"message":"downloading".*"received":\d+/);
    const dir = join(cache, 'rwenas', 'cifar10', 'cifar-10-batches-bin');
    for (const f of FILES) assert.ok(existsSync(join(dir, f)), f);
    assert.deepEqual(readdirSync(join(cache, 'rwenas', 'cifar10')), ['cifar-10-batches-bin'], 'no temporary file is left');
  } finally {
    server.close();
  }
  // The server is gone: the second run uses the cache.
  const again = await rwenasAsync(['run', 'examples/nb201-default.yaml', '--out', tempDir(), ...SMALL], { env });
  assert.equal(again.status, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /downloading/);
  assert.equal(served, 1);
});

test('offline first run: fails at once, naming spec.evaluation.dataset, the URL, the cause and how to point at a copy', async () => {
  // A port nobody listens on (refused) and a name that cannot resolve.
  const { server, base } = await serve(() => undefined);
  server.close();
  for (const [url, cause] of [[`${base}/cifar-10-binary.tar.gz`, /ECONNREFUSED/], ['http://cifar10.invalid/cifar-10-binary.tar.gz', /ENOTFOUND|EAI_AGAIN/]] as const) {
    const cache = tempDir();
    const r = rwenas(['run', 'examples/nb201-default.yaml', '--out', tempDir(), ...SMALL], { env: { XDG_CACHE_HOME: cache, RWENAS_CIFAR10_URL: url }, timeoutMs: 60_000 });
    assert.equal(r.status, 1, r.stderr);
    const lines = r.stderr.split('\n').filter((l) => !l.startsWith('{'));
    assert.match(lines[0], new RegExp(`^spec\\.evaluation\\.dataset: CIFAR-10 is not in ${cache}/rwenas/cifar10/cifar-10-batches-bin, and cannot download ${url.replace(/\./g, '\\.')}: `));
    assert.match(lines[0], cause);
    assert.match(r.stderr, /--set spec\.evaluation\.dataset\.path=DIR/);
    assert.doesNotMatch(r.stderr, /^rwenas: fetch failed$/m);
    const left = existsSync(join(cache, 'rwenas', 'cifar10')) ? readdirSync(join(cache, 'rwenas', 'cifar10')) : [];
    assert.deepEqual(left, [], 'no temporary file is left');
  }
});

test('a download that stalls fails after the timeout, naming the URL; nothing is left behind', async () => {
  const { server, base } = await serve((_req, res) => {
    res.writeHead(200, { 'content-length': 1000 });
    res.write(Buffer.alloc(10));
    // ...and nothing more.
  });
  const cache = tempDir();
  try {
    const r = await rwenasAsync(['run', 'examples/nb201-default.yaml', '--out', tempDir(), ...SMALL], {
      env: { XDG_CACHE_HOME: cache, RWENAS_CIFAR10_URL: `${base}/c.tar.gz`, RWENAS_DOWNLOAD_TIMEOUT: '1' },
      timeoutMs: 60_000,
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`cannot download ${base.replace(/\./g, '\\.')}/c\\.tar\\.gz: no data for 1 s`));
    assert.deepEqual(readdirSync(join(cache, 'rwenas', 'cifar10')), []);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test('a missing data set names spec.evaluation.dataset.path and --set; a file is not called a missing directory', () => {
  const file = join(tempDir(), 'cifar.bin');
  writeFileSync(file, 'x');
  for (const [path, problem] of [['/nonexistent/cifar-10-batches-bin', 'no such directory'], [file, 'is a file, expected a directory']]) {
    const r = rwenas(['run', 'examples/nb201-default.yaml', '--out', tempDir(), ...SMALL, '--set', `spec.evaluation.dataset.path=${path}`]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`${path}: ${problem}`));
    assert.match(r.stderr, /spec\.evaluation\.dataset\.path/);
    assert.match(r.stderr, /--set spec\.evaluation\.dataset\.path=DIR/);
  }
});

test('a CIFAR-10 batch truncated at a record boundary is refused, naming the file and the official size', needsCifar(), () => {
  const dir = join(tempDir(), 'cifar-10-batches-bin');
  mkdirSync(dir);
  for (const f of FILES) if (f !== 'data_batch_3.bin') symlinkSync(join(cifar10Dir()!, f), join(dir, f));
  const cut = join(dir, 'data_batch_3.bin');
  copyFileSync(join(cifar10Dir()!, 'data_batch_3.bin'), cut);
  truncateSync(cut, 9999 * 3073);
  const r = rwenas(['run', 'examples/nb201-default.yaml', '--out', tempDir(), ...SMALL, '--set', `spec.evaluation.dataset.path=${dir}`]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`${cut}: size 30726927 bytes \\(9999 records\\), expected 30730000 \\(10000 records\\)`));
});
