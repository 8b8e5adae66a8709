// A value as short JSON for error messages, walking at most `depth` levels and a few entries
// per level, so a hostile value (huge, or nested thousands deep) is never walked far.
export function brief(v: unknown, maxLength = 60, depth = 3): string {
  const text = briefJson(v, depth);
  return text.length > maxLength ? `${text.slice(0, maxLength - 3)}...` : text;
}

function briefJson(v: unknown, depth: number): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 200 ? `${v.slice(0, 200)}` : v);
  // JSON has no Infinity or NaN (it would print null): YAML's 1e400 reads as Infinity.
  if (typeof v === 'number' && !Number.isFinite(v)) return `${v} (not a finite number)`;
  if (typeof v !== 'object' || v === null) return v === undefined ? 'nothing' : (JSON.stringify(v) ?? String(v));
  if (depth === 0) return Array.isArray(v) ? '[...]' : '{...}';
  if (Array.isArray(v)) return `[${v.slice(0, 12).map((x) => briefJson(x, depth - 1)).join(',')}${v.length > 12 ? ',...' : ''}]`;
  const entries = Object.entries(v);
  const shown = entries.slice(0, 12).map(([k, x]) => `${JSON.stringify(k)}:${briefJson(x, depth - 1)}`);
  return `{${shown.join(',')}${entries.length > 12 ? ',...' : ''}}`;
}
