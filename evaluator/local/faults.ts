// Fault injection for the local pool's tests, off unless RWENAS_TEST_FAULT is set. The faults
// are real (a thrown exception, a heap exhausted, a thread that never returns, a failed
// start-up), so the tests drive the pool's real recovery through bin/rwenas:
//   RWENAS_TEST_FAULT=throw:GENOME   an uncaught exception while evaluating GENOME
//   RWENAS_TEST_FAULT=oom:GENOME     allocate until the worker's heap is exhausted
//   RWENAS_TEST_FAULT=hang:GENOME    never finish GENOME
//   RWENAS_TEST_FAULT=kill:GENOME    SIGKILL the whole process while evaluating GENOME, as the
//                                    kernel's OOM killer ends a container over its memory limit
//   RWENAS_TEST_FAULT=nostart:N      every worker started after the first N fails to start
// Several faults are separated by commas.
const faults = (process.env.RWENAS_TEST_FAULT ?? '')
  .split(',')
  .filter((f) => f.includes(':'))
  .map((f) => [f.slice(0, f.indexOf(':')), f.slice(f.indexOf(':') + 1)] as const);

export function startFault(start: number): void {
  for (const [kind, arg] of faults) if (kind === 'nostart' && start >= Number(arg)) throw new Error(`injected start-up failure of worker ${start}`);
}

export function injectFault(genome: string): void {
  for (const [kind, arg] of faults) {
    if (arg !== genome) continue;
    // Thrown outside the handler's promise (an uncaught exception, not a rejection), before the
    // evaluation's first await returns.
    if (kind === 'throw') process.nextTick(() => { throw new Error(`injected uncaught exception on ${genome}`); });
    if (kind === 'oom') {
      const hoard: unknown[] = [];
      for (;;) hoard.push(new Array(1 << 16).fill({ genome }));
    }
    if (kind === 'hang') for (;;);
    if (kind === 'kill') process.kill(process.pid, 'SIGKILL');
  }
}
