// Starts and stops the test control plane: etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and the process kubelet, all on 127.0.0.1 on free ports, with state (PKI,
// kubeconfig, logs, etcd data, pod directories) under one directory (default .k8s/).
// Processes are detached so `npm run k8s:up` can return; state.json records their pids.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ensureBinaries, root } from './k8s-build.mjs';

export const defaultDir = join(root, '.k8s');
// Stop order: the kubelet first (it kills its pods), etcd last.
const components = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'process-kubelet'];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function openssl(args, cwd) {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

// A CA, the API server's serving certificate, an admin client certificate (system:masters) and
// the service-account signing key pair. EC P-256 keys: fast to generate.
export function makePki(pki) {
  mkdirSync(pki, { recursive: true });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '3650', '-subj', '/CN=rwenas-test-ca'], pki);
  const leaf = (name, subj, ext) => {
    writeFileSync(join(pki, `${name}.ext`), ext);
    openssl(['req', '-new', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj], pki);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '3650', '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.crt`], pki);
  };
  const sans = ['IP:127.0.0.1', 'IP:10.0.0.1', 'DNS:localhost', 'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc', 'DNS:kubernetes.default.svc.cluster.local'];
  leaf('apiserver', '/CN=kube-apiserver', `subjectAltName=${sans.join(',')}\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n`);
  leaf('admin', '/O=system:masters/CN=kubernetes-admin', 'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyEncipherment\n');
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'sa.key'], pki);
  openssl(['ec', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], pki);
}

function kubeconfig(pki, server) {
  const b64 = (f) => readFileSync(join(pki, f)).toString('base64');
  return `apiVersion: v1
kind: Config
clusters:
- name: rwenas-test
  cluster:
    server: ${server}
    certificate-authority-data: ${b64('ca.crt')}
users:
- name: admin
  user:
    client-certificate-data: ${b64('admin.crt')}
    client-key-data: ${b64('admin.key')}
contexts:
- name: rwenas-test
  context: {cluster: rwenas-test, user: admin}
current-context: rwenas-test
`;
}

// GET over https (with the admin client certificate when given) or http; never throws.
function get(url, tls = {}) {
  return new Promise((resolve) => {
    const send = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = send(url, { ...tls, timeout: 3000, rejectUnauthorized: Boolean(tls.ca) }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', (e) => resolve({ status: 0, body: e.message }));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

export function logTail(dir, name, lines = 40) {
  try {
    return readFileSync(join(dir, 'logs', `${name}.log`), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// The pid is ours only while it still runs the binary we started (pids are reused).
function runs(pid, name) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0].endsWith(`/${name}`);
  } catch {
    return false;
  }
}

function readState(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
  } catch {
    return null;
  }
}

/** Components of a running cluster that have died, each with the tail of its log. */
export function crashed(dir = defaultDir) {
  const state = readState(dir);
  if (!state) return [];
  return Object.entries(state.pids)
    .filter(([name, pid]) => !runs(pid, name))
    .map(([name]) => ({ name, log: logTail(dir, name) }));
}

/**
 * Brings the control plane up under dir. Returns { dir, kubeconfig, bin, server, seconds }.
 * Options: dir, log (progress lines), nodes / gpus (process kubelet's fake Nodes and their
 * nvidia.com/gpu capacity; default from RWENAS_FAKE_NODES / RWENAS_FAKE_GPUS, else 1 and 4).
 */
export async function up({ dir = defaultDir, log = console.error, nodes, gpus } = {}) {
  const t0 = Date.now();
  const prior = readState(dir);
  if (prior && Object.entries(prior.pids).some(([name, pid]) => runs(pid, name))) {
    throw new Error(`k8s: a control plane is already running from ${dir} (run \`npm run k8s:down\` first)`);
  }
  if (prior) await down({ dir, log: () => {} });
  const { bins, versions } = await ensureBinaries({ log });
  const tBuilt = Date.now();
  mkdirSync(join(dir, 'logs'), { recursive: true });
  mkdirSync(join(dir, 'bin'), { recursive: true });
  for (const [name, path] of Object.entries(bins)) {
    rmSync(join(dir, 'bin', name), { force: true });
    symlinkSync(path, join(dir, 'bin', name));
  }
  const pki = join(dir, 'pki');
  makePki(pki);
  const [etcdPort, peerPort, apiPort, kcmPort, schedPort] = await Promise.all([1, 2, 3, 4, 5].map(() => freePort()));
  const server = `https://127.0.0.1:${apiPort}`;
  const kc = join(dir, 'kubeconfig');
  writeFileSync(kc, kubeconfig(pki, server), { mode: 0o600 });

  const pids = {};
  const saveState = () => writeFileSync(join(dir, 'state.json'), JSON.stringify({ pids, server, versions, root }, null, 2));
  const start = (name, args, env = {}) => {
    const out = openSync(join(dir, 'logs', `${name}.log`), 'a');
    const child = spawn(join(dir, 'bin', name), args, { detached: true, stdio: ['ignore', out, out], env: { ...process.env, ...env } });
    child.unref();
    pids[name] = child.pid;
    saveState();
  };
  // Waits for probe() to be true, failing with the component's log if it dies or times out.
  const waitFor = async (name, what, probe, timeoutMs = 120_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await probe()) return;
      const dead = Object.entries(pids).find(([n, pid]) => !runs(pid, n));
      if (dead || Date.now() > deadline) {
        const culprit = dead ? dead[0] : name;
        throw new Error(`k8s: ${culprit} ${dead ? 'exited' : `not ${what} after ${timeoutMs / 1000} s`}; tail of ${join(dir, 'logs', culprit + '.log')}:\n${logTail(dir, culprit)}`);
      }
      await sleep(250);
    }
  };
  const tls = { ca: readFileSync(join(pki, 'ca.crt')), cert: readFileSync(join(pki, 'admin.crt')), key: readFileSync(join(pki, 'admin.key')) };
  try {
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    start('etcd', [
      '--name=default', `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`, `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`, `--initial-advertise-peer-urls=${peerUrl}`, `--initial-cluster=default=${peerUrl}`,
      '--unsafe-no-fsync', '--log-level=warn',
    ]);
    await waitFor('etcd', 'healthy', async () => (await get(`${etcdUrl}/health`)).body.includes('"true"'));
    log(`k8s: etcd up on ${etcdUrl}`);

    start('kube-apiserver', [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1', `--secure-port=${apiPort}`, '--advertise-address=127.0.0.1',
      `--cert-dir=${pki}`, `--tls-cert-file=${join(pki, 'apiserver.crt')}`, `--tls-private-key-file=${join(pki, 'apiserver.key')}`,
      `--client-ca-file=${join(pki, 'ca.crt')}`,
      // Front-proxy settings, so aggregated API servers (and the controllers' delegated
      // authentication) find a request-header CA.
      `--requestheader-client-ca-file=${join(pki, 'ca.crt')}`, '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-username-headers=X-Remote-User', '--requestheader-group-headers=X-Remote-Group', '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${join(pki, 'sa.pub')}`, `--service-account-signing-key-file=${join(pki, 'sa.key')}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      '--authorization-mode=RBAC,Node', '--enable-admission-plugins=NodeRestriction', '--allow-privileged=true',
      // No Endpoints for the `kubernetes` Service: loopback addresses are invalid there, and pods
      // reach the API server through KUBERNETES_SERVICE_HOST=127.0.0.1 instead.
      '--endpoint-reconciler-type=none',
      '--kubelet-preferred-address-types=InternalIP',
      `--kubelet-client-certificate=${join(pki, 'admin.crt')}`, `--kubelet-client-key=${join(pki, 'admin.key')}`,
      '--profiling=false',
    ]);
    await waitFor('kube-apiserver', 'ready', async () => (await get(`${server}/readyz`, tls)).body === 'ok', 180_000);
    log(`k8s: kube-apiserver ready on ${server}`);

    const auth = [`--kubeconfig=${kc}`, `--authentication-kubeconfig=${kc}`, `--authorization-kubeconfig=${kc}`, '--bind-address=127.0.0.1', '--leader-elect=false'];
    start('kube-controller-manager', [
      ...auth, `--secure-port=${kcmPort}`, `--cert-dir=${join(pki, 'kcm')}`,
      `--service-account-private-key-file=${join(pki, 'sa.key')}`, `--root-ca-file=${join(pki, 'ca.crt')}`,
      `--cluster-signing-cert-file=${join(pki, 'ca.crt')}`, `--cluster-signing-key-file=${join(pki, 'ca.key')}`,
      '--use-service-account-credentials=true',
    ]);
    start('kube-scheduler', [...auth, `--secure-port=${schedPort}`, `--cert-dir=${join(pki, 'scheduler')}`]);
    await waitFor('kube-controller-manager', 'healthy', async () => (await get(`https://127.0.0.1:${kcmPort}/healthz`)).body === 'ok');
    await waitFor('kube-scheduler', 'healthy', async () => (await get(`https://127.0.0.1:${schedPort}/healthz`)).body === 'ok');
    log('k8s: kube-controller-manager and kube-scheduler healthy');

    const env = {};
    if (nodes !== undefined) env.RWENAS_FAKE_NODES = String(nodes);
    if (gpus !== undefined) env.RWENAS_FAKE_GPUS = String(gpus);
    start('process-kubelet', [`--kubeconfig=${kc}`, `--state-dir=${dir}`, `--checkout=${root}`], env);
    const want = Number(env.RWENAS_FAKE_NODES ?? process.env.RWENAS_FAKE_NODES ?? 1);
    await waitFor('process-kubelet', 'registered', async () => {
      const r = await get(`${server}/api/v1/nodes`, tls);
      if (r.status !== 200) return false;
      // Ready, and the controller-manager has lifted the not-ready taint new Nodes get on admission.
      const ready = JSON.parse(r.body).items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
        && !n.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/not-ready'));
      return ready.length >= want;
    });
    // Pods in `default` need its ServiceAccount, which the controller-manager creates.
    await waitFor('kube-controller-manager', 'creating ServiceAccounts', async () => (await get(`${server}/api/v1/namespaces/default/serviceaccounts/default`, tls)).status === 200);
    const seconds = (Date.now() - tBuilt) / 1000;
    log(`k8s: up in ${seconds.toFixed(1)} s (${want} node(s)); KUBECONFIG=${kc}`);
    return { dir, kubeconfig: kc, bin: join(dir, 'bin'), server, seconds, buildSeconds: (tBuilt - t0) / 1000 };
  } catch (e) {
    await down({ dir, log: () => {}, keepLogs: true });
    throw e;
  }
}

/**
 * Stops what up() started under dir, by pid (SIGTERM, then SIGKILL after 10 s), kills pod
 * processes a dead kubelet left behind, and removes the state. Returns the crashed components.
 */
export async function down({ dir = defaultDir, log = console.error, keepLogs = false } = {}) {
  const state = readState(dir);
  const dead = crashed(dir);
  for (const d of dead) log(`k8s: ${d.name} had crashed; tail of its log:\n${d.log}`);
  if (state) {
    const mine = [...components].reverse().filter((n) => state.pids[n] && runs(state.pids[n], n));
    for (const n of mine) {
      try {
        process.kill(state.pids[n], 'SIGTERM');
      } catch {
        /* already gone */
      }
      const deadline = Date.now() + 10_000;
      while (runs(state.pids[n], n) && Date.now() < deadline) await sleep(100);
      if (runs(state.pids[n], n)) process.kill(state.pids[n], 'SIGKILL');
    }
    if (mine.length) log(`k8s: stopped ${mine.join(', ')}`);
  }
  // Pod process groups (each pod's process is a group leader; its pid file lives while it runs).
  const pods = join(dir, 'pods');
  if (existsSync(pods)) {
    for (const p of readdirSync(pods)) {
      for (const f of readdirSync(join(pods, p)).filter((f) => f.endsWith('.pid'))) {
        const pid = Number(readFileSync(join(pods, p, f), 'utf8'));
        try {
          if (pid > 1) process.kill(-pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
  }
  const owned = ['state.json', 'kubeconfig', 'bin', 'pki', 'etcd', 'pods', ...(keepLogs ? [] : ['logs'])];
  for (const f of owned) rmSync(join(dir, f), { recursive: true, force: true });
  try {
    if (readdirSync(dir).length === 0) rmSync(dir, { recursive: true });
  } catch {
    /* gone */
  }
  return dead;
}
