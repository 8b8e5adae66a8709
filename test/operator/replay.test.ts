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
  const { engine } = (await replay(undefined, { experiment: 'big', settings: x.settings, required: requiredObjectives(x.spec), trials: x.trials })).entry;
  spinning = false;
  assert.equal(engine.done, true);
  assert.equal(engine.generation, x.engine.generation);
  assert.deepEqual(front(engine), front(x.engine));
  // A synchronous replay gives the loop no turn at all; this one one per generation at least.
  assert.ok(turns >= generations, `the event loop had ${turns} turns during a ${generations + 1}-generation replay`);
});

test('an edit to a recorded result is seen by the running operator as after a restart: the cached engine is rebuilt', async () => {
  const x = syntheticExperiment('edit', 8, 4);
  const input = { experiment: 'edit', settings: x.settings, required: requiredObjectives(x.spec), trials: x.trials };
  const first = await replay(undefined, input);
  assert.equal(first.rebuilt, undefined);
  // Unchanged record: the cache is used as it is.
  const again = await replay(first.entry, input);
  assert.equal(again.entry, first.entry);
  assert.equal(again.rebuilt, undefined);
  // A label edit (new resourceVersion, same result) is no divergence.
  const member = x.engine.front()[0].trial;
  const name = [...x.trials.keys()].find((n) => x.trials.get(n)!.spec.genomeHash === member)!;
  const labelled = new Map(x.trials);
  const t = x.trials.get(name)!;
  labelled.set(name, { ...t, metadata: { ...t.metadata, resourceVersion: '999998', labels: { ...t.metadata.labels, extra: 'x' } } });
  assert.equal((await replay(first.entry, { ...input, trials: labelled })).rebuilt, undefined);
  // Someone edits a front member's status: its error becomes the worst of all.
  const edited = new Map(x.trials);
  edited.set(name, { ...t, metadata: { ...t.metadata, resourceVersion: '999999' }, status: { ...t.status, objectives: { ...t.status!.objectives, error: 99 } } });
  const live = await replay(first.entry, { ...input, trials: edited });
  const restarted = await replay(undefined, { ...input, trials: edited });
  assert.match(live.rebuilt ?? '', new RegExp(`1 recorded result\\(s\\) changed.*${name} has another result`));
  assert.deepEqual(front(live.entry.engine), front(restarted.entry.engine), 'the running operator sees what a restarted one sees');
  assert.ok(!front(live.entry.engine).some(([trial]) => trial === member), 'the edited trial left the front');
  // A result that vanished (the NASTrial deleted) also rebuilds.
  const gone = new Map(edited);
  gone.delete(name);
  assert.match((await replay(live.entry, { ...input, trials: gone })).rebuilt ?? '', /is gone/);
});
