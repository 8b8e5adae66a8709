// The building blocks of the spec schema: the subset of structural OpenAPI v3 that a
// Kubernetes CRD accepts and validate.ts walks, CEL rules with their TypeScript twins, and
// small constructors. schema.ts and template.ts build SPEC_SCHEMA from these.

export interface CelRule {
  readonly rule: string;
  readonly message: string;
  /** Relative JSON path (from the node carrying the rule) of the field the message is about. */
  readonly fieldPath?: string;
}

export interface SchemaNode {
  /** `int-or-string` is written to a CRD as `x-kubernetes-int-or-string: true` (no type), as Kubernetes quantities are. */
  readonly type: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean' | 'int-or-string';
  readonly description: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  /** A mapping with any keys, each value of this schema (labels, node selectors, resource lists). */
  readonly additionalProperties?: SchemaNode;
  readonly required?: readonly string[];
  readonly items?: SchemaNode;
  readonly default?: unknown;
  readonly enum?: readonly (string | number)[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly maxProperties?: number;
  /** A regular expression in the common subset of ECMAScript and RE2, anchored by the author. */
  readonly pattern?: string;
  readonly 'x-kubernetes-preserve-unknown-fields'?: true;
  readonly 'x-kubernetes-list-type'?: 'atomic' | 'set';
  readonly 'x-kubernetes-validations'?: readonly CelRule[];
}

/** The TypeScript twin of each CEL rule: `self` is the value at the node carrying the rule. */
export const RULE_CHECKS = new Map<CelRule, (self: unknown) => boolean>();
/** Relative paths each rule reads: the validator runs it only when none of them has a problem. */
export const RULE_USES = new Map<CelRule, readonly string[]>();

export function rule<T>(cel: string, message: string, check: (self: T) => boolean, fieldPath?: string, uses: readonly string[] = []): CelRule {
  const r: CelRule = fieldPath === undefined ? { rule: cel, message } : { rule: cel, message, fieldPath };
  RULE_USES.set(r, uses);
  // A rule's twin may meet values of the wrong type (already reported by the walk): it then passes.
  RULE_CHECKS.set(r, (self) => {
    try {
      return check(self as T);
    } catch {
      return true;
    }
  });
  return r;
}

export type Extra = Partial<Omit<SchemaNode, 'type' | 'description'>>;
export const obj = (description: string, properties: Record<string, SchemaNode>, extra: Extra = {}): SchemaNode => ({
  type: 'object',
  description,
  properties,
  ...extra,
});
export const int = (description: string, extra: Extra): SchemaNode => ({ type: 'integer', description, ...extra });
export const num = (description: string, extra: Extra): SchemaNode => ({ type: 'number', description, ...extra });
export const str = (description: string, extra: Extra = {}): SchemaNode => ({ type: 'string', description, ...extra });
export const bool = (description: string, extra: Extra = {}): SchemaNode => ({ type: 'boolean', description, ...extra });
export const list = (description: string, items: SchemaNode, extra: Extra = {}): SchemaNode => ({ type: 'array', description, items, ...extra });
export const map = (description: string, values: SchemaNode, extra: Extra = {}): SchemaNode => ({ type: 'object', description, additionalProperties: values, ...extra });

export const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
