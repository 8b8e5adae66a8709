// Genome JSON (the DARTS genotype, OFA's arch dict) read with JSON.parse, which is iterative
// and safe on hostile nesting, then checked shape by shape by the caller. The `yaml` package
// is not used here: a deeply nested string made its regex compiler abort the process.
// Error positions come from a small iterative scan of the (already valid) text that records
// where each shallow value and key starts.
import { brief } from '../brief.js';
import type { Cursor } from './cursor.js';

export interface GenomeJson {
  readonly value: unknown;
  /** Offset of the value at `path` (keys and indices), or of the nearest recorded ancestor. */
  at(...path: (string | number)[]): number;
  /** Offset of the key `key` of the root object. */
  keyAt(key: string): number;
  /** The value at `path`, as short JSON, for error messages. */
  got(...path: (string | number)[]): string;
}

interface Frame {
  readonly path: string;
  readonly array: boolean;
  index: number;
  key: string | undefined;
  readonly keys: Set<string>;
}

const WHITE = ' \t\n\r';

// Offsets of values (by path joined with '/') down to `maxDepth`, keys of the root object,
// and the first repeated key of any object (JSON.parse would silently keep the last).
function scan(text: string, maxDepth: number): { values: Map<string, number>; keys: Map<string, number>; duplicate?: { key: string; at: number } } {
  const values = new Map<string, number>();
  const keys = new Map<string, number>();
  let duplicate: { key: string; at: number } | undefined;
  const stack: Frame[] = [];
  let expectKey = false;
  // Frames are kept only down to maxDepth; below it only the depth is counted.
  let deep = 0;
  const here = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return '';
    const step = String(top.array ? top.index : top.key);
    return top.path === '' ? step : `${top.path}/${step}`;
  };
  const record = (at: number): void => {
    if (deep > 0) return;
    const path = here();
    if (!values.has(path)) values.set(path, at);
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (WHITE.includes(c) || c === ':') continue;
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (expectKey && top && deep === 0) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key) && !duplicate) duplicate = { key, at: i };
        top.keys.add(key);
        top.key = key;
        if (stack.length === 1) keys.set(key, i);
        expectKey = false;
      } else record(i);
      i = j;
    } else if (c === '{' || c === '[') {
      record(i);
      if (deep > 0 || stack.length === maxDepth) deep++;
      else stack.push({ path: stack.length === 0 ? '' : here(), array: c === '[', index: 0, key: undefined, keys: new Set() });
      expectKey = c === '{';
    } else if (c === '}' || c === ']') {
      if (deep > 0) deep--;
      else stack.pop();
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (deep > 0) expectKey = false;
      else if (top?.array) top.index++;
      else expectKey = true;
    } else {
      record(i);
      while (i + 1 < text.length && !',]}'.includes(text[i + 1]) && !WHITE.includes(text[i + 1])) i++;
    }
  }
  return { values, keys, duplicate };
}

/** Parses `text` as JSON or fails at the offending position, naming `what` was expected. */
export function readGenomeJson(cur: Cursor, text: string, what: string, maxDepth = 3): GenomeJson {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const position = /position (\d+)/.exec(message);
    cur.fail(what, JSON.stringify(message.replace(/ in JSON at position \d+.*$/, '')), position ? Number(position[1]) : text.length);
  }
  const { values, keys, duplicate } = scan(text, maxDepth);
  if (duplicate) cur.fail(`each field once`, `${JSON.stringify(duplicate.key)} again`, duplicate.at);
  const at = (...path: (string | number)[]): number => {
    for (let n = path.length; n >= 0; n--) {
      const offset = values.get(path.slice(0, n).join('/'));
      if (offset !== undefined) return offset;
    }
    return 0;
  };
  const got = (...path: (string | number)[]): string => {
    let v: unknown = value;
    for (const step of path) v = (v as Record<string | number, unknown> | undefined)?.[step];
    return brief(v);
  };
  return { value, at, keyAt: (key) => keys.get(key) ?? 0, got };
}

export const isJsonObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
