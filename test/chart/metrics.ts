// The metrics the operator defines: name -> prom-client type and label names, read from the
// registry that operator/metrics.ts builds (the definitions themselves, not a copy of them).
import { Metrics } from '../../operator/metrics.js';

export interface MetricDef { type: string; labels: string[] }

export async function operatorMetrics(): Promise<Map<string, MetricDef>> {
  const metrics = new Metrics(() => 0);
  const out = new Map<string, MetricDef>();
  for (const m of metrics.registry.getMetricsAsArray()) {
    const labels = (m as unknown as { labelNames?: string[] }).labelNames ?? [];
    // prom-client's MetricObject type omits get(), which every metric has.
    const { type } = await (m as unknown as { get(): Promise<{ type: unknown }> }).get();
    out.set(m.name, { type: String(type), labels: [...labels] });
  }
  return out;
}
