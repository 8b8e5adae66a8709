// From manifest text to a defaulted, validated ExperimentManifest. Pure (no file access): the
// caller reads the file and passes its name for messages. Order: YAML -> --set overrides ->
// defaults -> validation, and every problem found is reported, one line each.
import { parseAllDocuments } from 'yaml';
import { applySet } from './set.js';
import { API_VERSION, KIND, type ExperimentManifest } from './spec.js';
import { applyDefaults, shown, unknownField, validateSpec, type GenomeCheck } from './validate.js';

export class ManifestError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ManifestError';
  }
}

export interface LoadOptions {
  /** `PATH=VALUE` overrides, applied in order. */
  readonly sets?: readonly string[];
  /** Validates initial genomes with the space's parser. */
  readonly checkGenome?: GenomeCheck;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
// Kubernetes object names: DNS-1123 subdomain.
const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const TOP = ['apiVersion', 'kind', 'metadata', 'spec', 'status'];
const META = ['name', 'namespace', 'labels', 'annotations'];

/**
 * Largest manifest accepted, in characters (the CLI checks the same number of bytes before it
 * reads a file): the API server stores an object of at most 1.5 MiB, and the YAML parser's time
 * and memory grow quickly with size, so larger input is refused before parsing.
 */
export const MAX_MANIFEST_SIZE = 1024 * 1024;
/** Alias expansions allowed in one manifest (the yaml package's default): more is an alias bomb. */
export const MAX_ALIAS_COUNT = 100;

// Control characters other than tab and line breaks, and U+FFFD (what bytes that are not UTF-8 decode to).
// eslint-disable-next-line no-control-regex -- control characters are what this looks for
const BINARY = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFD]/;

/** Parses YAML text into a plain object; every refusal names `source` (and line:col where there is one). */
export function parseYaml(text: string, source: string): unknown {
  if (text.length > MAX_MANIFEST_SIZE) {
    throw new ManifestError([`${source}: too large: ${text.length} characters, a manifest may have at most ${MAX_MANIFEST_SIZE} (1 MiB)`]);
  }
  const binary = BINARY.exec(text);
  if (binary) {
    const code = binary[0].codePointAt(0)!;
    const what = code === 0xfffd ? 'bytes that are not UTF-8' : `control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
    throw new ManifestError([`${source}: not a YAML text file: ${what} at offset ${binary.index}`]);
  }
  const docs = parseAllDocuments(text, { prettyErrors: true });
  const all = Array.isArray(docs) ? docs : [];
  if (all.length > 1) {
    throw new ManifestError([`${source}: holds ${all.length} YAML documents (separated by ---); a manifest is one NASExperiment: put each in its own file`]);
  }
  const doc = all[0];
  if (!doc) return null;
  if (doc.errors.length > 0) {
    throw new ManifestError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        const message = /call stack/i.test(e.message) ? 'nested too deeply to read' : e.message.split(/ at line \d+|\n/)[0];
        return `${source}${pos ? `:${pos.line}:${pos.col}` : ''}: YAML syntax error: ${message}`;
      }),
    );
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    if (err instanceof ReferenceError || /alias/i.test((err as Error).message)) {
      throw new ManifestError([`${source}: YAML aliases expand to more than ${MAX_ALIAS_COUNT} copies (an alias bomb?): write the values out`]);
    }
    if (err instanceof RangeError) throw new ManifestError([`${source}: YAML nested too deeply to read`]);
    throw err;
  }
}

function metadataProblems(meta: unknown): string[] {
  if (meta === undefined) return ['metadata: required (a mapping with at least name)'];
  if (!isObj(meta)) return [`metadata: must be a mapping, got ${shown(meta)}`];
  const problems: string[] = [];
  for (const key of Object.keys(meta)) if (!META.includes(key)) problems.push(`metadata.${key}: ${unknownField(key, META)}`);
  if (typeof meta.name !== 'string' || meta.name.length > 253 || !NAME.test(meta.name)) {
    problems.push(`metadata.name: must be a lowercase DNS name (letters, digits, '-', '.'; at most 253), got ${shown(meta.name)}`);
  }
  if (meta.namespace !== undefined && (typeof meta.namespace !== 'string' || !NAME.test(meta.namespace))) {
    problems.push(`metadata.namespace: must be a lowercase DNS label, got ${shown(meta.namespace)}`);
  }
  for (const key of ['labels', 'annotations']) {
    const m = meta[key];
    if (m !== undefined && (!isObj(m) || Object.values(m).some((v) => typeof v !== 'string'))) {
      problems.push(`metadata.${key}: must be a mapping of strings, got ${shown(m)}`);
    }
  }
  return problems;
}

/** Applies overrides and defaults to a parsed manifest and validates it; throws ManifestError with all problems. */
export function resolveManifest(parsed: unknown, options: LoadOptions = {}): ExperimentManifest {
  if (!isObj(parsed)) throw new ManifestError([`manifest: must be a mapping (a NASExperiment object), got ${shown(parsed)}`]);
  const doc = structuredClone(parsed);
  const problems: string[] = [];
  for (const assignment of options.sets ?? []) {
    try {
      applySet(doc, assignment);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (doc.apiVersion !== API_VERSION) problems.push(`apiVersion: must be ${API_VERSION}, got ${shown(doc.apiVersion)}`);
  if (doc.kind !== KIND) problems.push(`kind: must be ${KIND}, got ${shown(doc.kind)}`);
  for (const key of Object.keys(doc)) if (!TOP.includes(key)) problems.push(`${key}: ${unknownField(key, TOP)}`);
  for (const p of metadataProblems(doc.metadata)) problems.push(p);
  if (doc.spec === undefined || doc.spec === null) problems.push('spec: required (a mapping with at least searchSpace.name)');
  const spec = applyDefaults(doc.spec ?? undefined);
  // A loop, not push(...): a hostile manifest can have more problems than a call has arguments.
  if (spec !== undefined) for (const p of validateSpec(spec, options.checkGenome)) problems.push(p);
  if (problems.length > 0) throw new ManifestError(problems);
  // `status` (as `kubectl get -o yaml` prints it) is accepted and dropped: it is not input.
  return { apiVersion: API_VERSION, kind: KIND, metadata: doc.metadata as ExperimentManifest['metadata'], spec: spec as ExperimentManifest['spec'] };
}

/** Manifest text (YAML) to a validated manifest; `source` names the file in messages. */
export function loadManifest(text: string, source: string, options: LoadOptions = {}): ExperimentManifest {
  return resolveManifest(parseYaml(text, source), options);
}
