// `npm run crds:gen`: writes crds/*.yaml from the spec schema (search/experiment/schema.ts)
// and the status schemas (operator/crd.ts). `--check` exits 1 when crds/ is out of date.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderCrds } from '../operator/crd.js';

const dir = join(new URL('..', import.meta.url).pathname, 'crds');
const check = process.argv.includes('--check');
mkdirSync(dir, { recursive: true });
let stale = 0;
for (const [file, text] of Object.entries(renderCrds())) {
  const path = join(dir, file);
  let old = '';
  try {
    old = readFileSync(path, 'utf8');
  } catch {
    // a missing file is stale
  }
  if (old === text) continue;
  stale++;
  if (check) console.error(`crds/${file} is out of date: run npm run crds:gen`);
  else {
    writeFileSync(path, text);
    console.log(`wrote crds/${file}`);
  }
}
process.exit(check && stale > 0 ? 1 : 0);
