// A trial is one genome of one experiment, named by its genome hash. Its shapes here are the
// search engine's side of the boundary: what it asks (Candidate), what it is told (TrialResult)
// and what it keeps (TrialRecord). The pod wire format is evaluator/protocol.ts; the cluster's
// record is the NASTrial status (operator/types.ts).
import type { Objectives } from './objectives.js';

/** How an evaluation ended. */
export type TrialOutcome = 'Succeeded' | 'Failed';

/** A trial's state in the engine: Pending until it is told. */
export type TrialState = 'Pending' | TrialOutcome;

/** What ask() issues: the trial's name, its canonical genome and its generation. */
export interface Candidate {
  /** genomeHash(space, genome): the trial's name. */
  readonly trial: string;
  /** Canonical genome string. */
  readonly genome: string;
  readonly generation: number;
}

/** What tell() takes for one trial, keyed by the Candidate.trial it issued. */
export interface TrialResult {
  readonly trial: string;
  readonly status: TrialOutcome;
  /** Finite values the evaluation reported (a failed trial may carry some). */
  readonly objectives: Objectives;
  /** Why a failed trial failed. */
  readonly reason?: string;
}

/** One candidate ever proposed, in creation order: the engine's record of a trial. */
export interface TrialRecord {
  readonly trial: string;
  readonly genome: string;
  readonly generation: number;
  status: TrialState;
  /** Finite values the evaluation reported (absent while pending). */
  objectives?: Objectives;
  /** Why a failed trial failed. */
  reason?: string;
}

/** A told trial (history()). */
export type EvaluatedTrial = Readonly<Omit<TrialRecord, 'status' | 'objectives'>> & { readonly status: TrialOutcome; readonly objectives: Objectives };

/** A member of the Pareto front. */
export interface FrontMember {
  readonly trial: string;
  readonly genome: string;
  readonly objectives: Objectives;
}
