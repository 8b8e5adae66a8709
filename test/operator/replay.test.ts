// The replay (operator/replay.ts) on hand-built NASTrials: it rebuilds the engine the
// experiment ran with, hands the event loop a turn between generations (so a long replay
// after a restart cannot hold up the lease renewal), and sees edits to recorded results.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replay } from '../../operator/replay.js';
import { requiredObjectives } from '../../search/study.js';
import { syntheticExperiment } from './synthetic.js';

const front = (e: { front(): { trial: string; objectives: unknown }[] }) => e.front().map((f) => [f.trial, f.objectives]);

test('replay rebuilds the engine from the recorded results and yields to the event loop between generations', async () => {
  const generations = 30;
  const x = syntheticExperiment('big', 8, generations);
  let turns = 0;
  let spinning = true;
  const spin = () => {
    turns++;
    if (spinning) setImmediate(spin);
  };
  setImmediate(spin);
  const { engine } = await replay(undefined, { experiment: 'big', settings: x.settings, required: requiredObjectives(x.spec), trials: x.trials });
  spinning = false;
  assert.equal(engine.done, true);
  assert.equal(engine.generation, x.engine.generation);
  assert.deepEqual(front(engine), front(x.engine));
  // A synchronous replay gives the loop no turn at all; this one one per generation at least.
  assert.ok(turns >= generations, `the event loop had ${turns} turns during a ${generations + 1}-generation replay`);
});
