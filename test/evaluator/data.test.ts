import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pack } from 'tar-stream';
import { Rng } from '../../search/random.js';
import {
  BATCH_RECORDS, IMAGE_BYTES, RECORD_BYTES, channelStats, gather, loadTrainSplit, normalisedBatch, readBatchFile, readClassNames, splitIndices,
} from '../../evaluator/data/cifar10.js';
import { installArchive, isComplete, resolveDataset } from '../../evaluator/data/download.js';
import { cifar10Dir, needsCifar } from './cifar-dir.js';

test('real CIFAR-10 train split: 50,000 images, ten classes, balanced', needsCifar(), () => {
  const dir = cifar10Dir()!;
  assert.equal(readClassNames(dir)[0], 'airplane');
  const train = loadTrainSplit(dir);
  assert.equal(train.count, 50000);
  assert.equal(train.images.length, 50000 * IMAGE_BYTES);
  const perClass = new Array(10).fill(0);
  for (const l of train.labels) perClass[l]++;
  assert.deepEqual(perClass, new Array(10).fill(5000));
  // Record 0 of data_batch_1 in the file equals image 0 of the split.
  const raw = readFileSync(join(dir, 'data_batch_1.bin')).subarray(0, RECORD_BYTES);
  assert.equal(train.labels[0], raw[0]);
  assert.deepEqual(train.images.subarray(0, IMAGE_BYTES), new Uint8Array(raw.subarray(1)));
});

test('seeded subsets are disjoint, reproducible, and depend on the seed', () => {
  const a = splitIndices(1000, 300, 100, Rng.seeded(1));
  const b = splitIndices(1000, 300, 100, Rng.seeded(1));
  const c = splitIndices(1000, 300, 100, Rng.seeded(2));
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.train, c.train);
  const all = new Set([...a.train, ...a.validation]);
  assert.equal(all.size, 400);
  assert.throws(() => splitIndices(100, 90, 20, Rng.seeded(1)), /has 100 images, too few for trainSamples 90 \+ validationSamples 20/);
  assert.throws(() => splitIndices(100, 0, 20, Rng.seeded(1)), /trainSamples: expected a positive integer/);
});

test('per-batch normalisation uses the per-channel statistics', () => {
  // Two images: channel 0 all 0 / all 255, channels 1-2 constant 128.
  const images = new Uint8Array(2 * IMAGE_BYTES).fill(128);
  images.fill(0, 0, 1024);
  images.fill(255, IMAGE_BYTES, IMAGE_BYTES + 1024);
  const set = { images, labels: new Uint8Array([0, 1]), count: 2 };
  const stats = channelStats(set);
  assert.ok(Math.abs(stats.mean[0] - 0.5) < 1e-9 && Math.abs(stats.std[0] - 0.5) < 1e-9);
  const batch = normalisedBatch(set, 0, 2, stats);
  assert.ok(Math.abs(batch[0] + 1) < 1e-6);
  assert.ok(Math.abs(batch[IMAGE_BYTES] - 1) < 1e-6);
  const one = normalisedBatch(gather(set, [1]), 0, 1, stats);
  assert.deepEqual(one, batch.subarray(IMAGE_BYTES));
});

function fakeBatch(records: number, label = 3): Buffer {
  const b = Buffer.alloc(records * RECORD_BYTES, 7);
  for (let i = 0; i < records; i++) b[i * RECORD_BYTES] = label;
  return b;
}

test('corrupt, truncated and missing files give errors naming the file and the problem', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rwenas-cifar-'));
  try {
    const truncated = join(dir, 'data_batch_1.bin');
    writeFileSync(truncated, fakeBatch(3).subarray(0, 2 * RECORD_BYTES + 100));
    assert.throws(() => readBatchFile(truncated), (e: Error) => e.message.includes(truncated) && /not a whole number of 3073-byte records\), expected 30730000/.test(e.message));
    // Whole records, but not the official 10,000: a batch cut at a record boundary.
    writeFileSync(truncated, fakeBatch(9999));
    assert.throws(() => readBatchFile(truncated), /size 30726927 bytes \(9999 records\), expected 30730000 \(10000 records\)/);
    const badLabel = join(dir, 'bad.bin');
    writeFileSync(badLabel, fakeBatch(BATCH_RECORDS, 12));
    assert.throws(() => readBatchFile(badLabel), (e: Error) => e.message.includes(badLabel) && /record 0 has label 12, expected 0..9/.test(e.message));
    assert.throws(() => readBatchFile(join(dir, 'nope.bin')), /nope\.bin: missing .*spec\.evaluation\.dataset\.path/);
    assert.throws(() => loadTrainSplit(join(dir, 'absent')), /absent: no such directory; point spec\.evaluation\.dataset\.path/);
    assert.throws(() => loadTrainSplit(badLabel), /bad\.bin: is a file, expected a directory/);
    writeFileSync(join(dir, 'batches.meta.txt'), 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n');
    writeFileSync(truncated, fakeBatch(BATCH_RECORDS));
    assert.throws(() => loadTrainSplit(dir), /data_batch_2\.bin: missing/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('real batch with a truncated copy: the error names the copy', needsCifar(), () => {
  const dir = mkdtempSync(join(tmpdir(), 'rwenas-cifar-'));
  try {
    const copy = join(dir, 'data_batch_1.bin');
    copyFileSync(join(cifar10Dir()!, 'data_batch_1.bin'), copy);
    truncateSync(copy, 30730000 - 1);
    assert.throws(() => readBatchFile(copy), new RegExp(`${copy}: size 30729999 bytes`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

async function tarGz(entries: Record<string, Buffer>): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c) => chunks.push(c as Buffer));
  const done = new Promise<void>((r) => p.on('end', () => r()));
  for (const [name, body] of Object.entries(entries)) p.entry({ name }, body);
  p.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

test('archive install: MD5 checked, layout unpacked, foreign paths ignored', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rwenas-dl-'));
  try {
    const files: Record<string, Buffer> = { 'cifar-10-batches-bin/batches.meta.txt': Buffer.from('airplane\n') };
    for (const f of ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin']) {
      files[`cifar-10-batches-bin/${f}`] = fakeBatch(2);
    }
    files['../evil.txt'] = Buffer.from('x');
    const archive = join(dir, 'small.tar.gz');
    writeFileSync(archive, await tarGz(files));
    const md5 = createHash('md5').update(readFileSync(archive)).digest('hex');
    const dest = join(dir, 'cache', 'cifar-10-batches-bin');
    await assert.rejects(installArchive(archive, dest, '0'.repeat(32)), /small\.tar\.gz: MD5 [0-9a-f]{32} does not match/);
    await installArchive(archive, dest, md5);
    assert.equal(statSync(join(dest, 'data_batch_3.bin')).size, 2 * RECORD_BYTES);
    assert.equal(readFileSync(join(dest, 'batches.meta.txt'), 'utf8'), 'airplane\n');
    assert.equal(isComplete(dest), false, 'small batches are not the official size');

    const partial = join(dir, 'partial.tar.gz');
    writeFileSync(partial, await tarGz({ 'cifar-10-batches-bin/data_batch_1.bin': fakeBatch(1) }));
    const md5p = createHash('md5').update(readFileSync(partial)).digest('hex');
    mkdirSync(join(dir, 'other'));
    await assert.rejects(installArchive(partial, join(dir, 'other', 'x'), md5p), /archive lacks cifar-10-batches-bin\/data_batch_2\.bin/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('source download reuses a complete cache without fetching', needsCifar(), async () => {
  // The URL cannot be reached; a complete directory must be returned before any fetch.
  const dir = cifar10Dir()!;
  const nowhere = { url: 'http://127.0.0.1:9/none.tar.gz', md5: '0'.repeat(32) };
  assert.equal(await resolveDataset({ name: 'cifar10', source: 'download', path: dir }, nowhere), dir);
  const empty = mkdtempSync(join(tmpdir(), 'rwenas-dl-'));
  try {
    await assert.rejects(resolveDataset({ name: 'cifar10', source: 'download', path: join(empty, 'c') }, nowhere));
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test('source download: fetched over HTTP (a loopback server), verified, unpacked; a wrong MD5 installs nothing', async () => {
  const files: Record<string, Buffer> = { 'cifar-10-batches-bin/batches.meta.txt': Buffer.from('airplane\n') };
  for (const f of ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin']) {
    files[`cifar-10-batches-bin/${f}`] = fakeBatch(3);
  }
  const body = await tarGz(files);
  const md5 = createHash('md5').update(body).digest('hex');
  const server = createServer((req, res) => {
    if (req.url === '/cifar-10-binary.tar.gz') res.end(body);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = mkdtempSync(join(tmpdir(), 'rwenas-dl-'));
  try {
    const dest = join(dir, 'cache', 'cifar-10-batches-bin');
    const spec = { name: 'cifar10' as const, source: 'download' as const, path: dest };
    await assert.rejects(resolveDataset(spec, { url: `${base}/cifar-10-binary.tar.gz`, md5: 'f'.repeat(32) }), /does not match the expected f{32}/);
    assert.equal(existsSync(dest), false);
    await assert.rejects(resolveDataset(spec, { url: `${base}/missing`, md5 }), new RegExp(`cannot download ${base}/missing: HTTP 404`));
    assert.equal(await resolveDataset(spec, { url: `${base}/cifar-10-binary.tar.gz`, md5 }), dest);
    assert.equal(statSync(join(dest, 'test_batch.bin')).size, 3 * RECORD_BYTES);
    // Two downloads into one directory from one process (as two pods, each PID 1, on a shared
    // volume): their temporary names differ, both install, and nothing temporary is left.
    const shared = join(dir, 'shared', 'cifar-10-batches-bin');
    const source = { url: `${base}/cifar-10-binary.tar.gz`, md5 };
    const both = { ...spec, path: shared };
    assert.deepEqual(await Promise.all([resolveDataset(both, source), resolveDataset(both, source)]), [shared, shared]);
    assert.deepEqual(readdirSync(join(dir, 'shared')), ['cifar-10-batches-bin']);
    assert.equal(statSync(join(shared, 'data_batch_5.bin')).size, 3 * RECORD_BYTES);
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
