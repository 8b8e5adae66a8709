// Objectives are minimised. `error` is percent (lower is better for every estimator);
// `params` and `flops` are absolute counts of the final network (FLOPs = multiply-accumulates,
// the NAS-Bench-201 convention).
export const OBJECTIVE_NAMES = ['error', 'params', 'flops'] as const;
export type ObjectiveName = (typeof OBJECTIVE_NAMES)[number];
export type Objectives = Partial<Record<ObjectiveName, number>>;
