// The metrics the operator defines: name -> prom-client type, read from the registry that
// operator/metrics.ts builds (the definitions themselves, not a copy of their names).
import { Registry } from 'prom-client';

export async function operatorMetrics(): Promise<Map<string, string>> {
  const mod = (await import('../../operator/metrics.js')) as Record<string, unknown>;
  const registries = Object.values(mod).filter((v): v is Registry => v instanceof Registry);
  if (registries.length === 0) throw new Error('operator/metrics.ts exports no prom-client Registry');
  const out = new Map<string, string>();
  for (const r of registries) for (const m of await r.getMetricsAsJSON()) out.set(m.name, String(m.type));
  return out;
}
