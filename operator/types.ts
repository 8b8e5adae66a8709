// The operator's view of its Kubernetes objects: the NASExperiment and NASTrial custom
// resources (status shapes match operator/crd.ts), label keys and API coordinates.
import type { ObjectiveName, Objectives } from '../search/objectives.js';
import type { SpaceName } from '../search/space.js';
import type { GenerationRecord } from '../search/study.js';
import type { FrontMember } from '../search/trial.js';

export const API_GROUP = 'rwenas.dev';
export const API_VERSION_NAME = 'v1alpha1';
export const API_VERSION = `${API_GROUP}/${API_VERSION_NAME}`;
export const EXPERIMENT_PLURAL = 'nasexperiments';
export const TRIAL_PLURAL = 'nastrials';

/** Experiment names prefix trial and Job names and label values (at most 63 characters). */
export const MAX_EXPERIMENT_NAME = 40;

/** Generations of progress kept in status.history (a bounded status: etcd objects are small). */
export const MAX_STATUS_HISTORY = 200;

export const LABEL_EXPERIMENT = 'rwenas.dev/experiment';
export const LABEL_GENERATION = 'rwenas.dev/generation';
export const LABEL_BATCH = 'rwenas.dev/batch';
export const LABEL_ATTEMPT = 'rwenas.dev/attempt';
/** On NASTrials: a digest of the settings that produced the trial (operator/spec.ts settingsDigest). */
export const LABEL_SETTINGS = 'rwenas.dev/settings';
/** On NASTrials: `true` while the trial is on the experiment's Pareto front (operator/front.ts). */
export const LABEL_FRONT = 'rwenas.dev/front';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'rwenas-operator';
/** On Jobs: the trial names of the batch, comma-separated, in batch order. */
export const ANNOTATION_TRIALS = 'rwenas.dev/trials';

export const EVALUATOR_CONTAINER = 'evaluator';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string | Date;
  deletionTimestamp?: string | Date;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export type ExperimentPhase = 'Pending' | 'Running' | 'Suspended' | 'Succeeded' | 'Failed' | 'Invalid';


export interface TrialCounts {
  total: number;
  pending: number;
  running: number;
  succeeded: number;
  failed: number;
  evaluated: number;
}

export interface ExperimentStatus {
  phase?: ExperimentPhase;
  observedGeneration?: number;
  generation?: number;
  generations?: number;
  trials?: TrialCounts;
  activeJobs?: number;
  hypervolume?: number;
  referencePoint?: Partial<Record<ObjectiveName, number>>;
  frontSize?: number;
  /** The search's front; `trial` is the NASTrial's name (operator/naming.ts). */
  paretoFront?: FrontMember[];
  /** The last MAX_STATUS_HISTORY generations' progress (search/study.ts generationHistory). */
  history?: GenerationRecord[];
  lockedSpec?: Record<string, string>;
  startTime?: string;
  completionTime?: string;
  conditions?: Condition[];
}

/** A NASExperiment as read from the API: the spec is as the API server defaulted it (unknown until validated). */
export interface ExperimentObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec?: unknown;
  status?: ExperimentStatus;
}

export type TrialPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export interface TrialSpec {
  experiment: string;
  searchSpace: SpaceName;
  genome: string;
  genomeHash: string;
  generation: number;
}

export interface TrialStatus {
  phase?: TrialPhase;
  objectives?: Objectives;
  job?: string;
  attempts?: number;
  durationSeconds?: number;
  reason?: string;
  message?: string;
  startTime?: string;
  completionTime?: string;
}

export interface TrialObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: TrialSpec;
  status?: TrialStatus;
}

export const isFinal = (t: TrialObject): boolean => t.status?.phase === 'Succeeded' || t.status?.phase === 'Failed';
