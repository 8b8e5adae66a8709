// The metrics the operator defines: name -> prom-client type, read from the registry that
// operator/metrics.ts builds (the definitions themselves, not a copy of their names).
import { Metrics } from '../../operator/metrics.js';

export async function operatorMetrics(): Promise<Map<string, string>> {
  const metrics = new Metrics(() => 0);
  const out = new Map<string, string>();
  for (const m of await metrics.registry.getMetricsAsJSON()) out.set(m.name, String(m.type));
  return out;
}
