// `rwenas complexity --space S --genome G [--set spec.searchSpace.final.channels=...]`:
// params and FLOPs (multiply-accumulates), absolute counts, of the final network.
import type { Command } from 'commander';
import { countComplexity } from '../../search/complexity.js';
import { spaceByName } from '../../search/spaces/index.js';
import { CliError, collect, EXIT } from '../errors.js';
import { bareManifest } from '../manifest.js';

export function registerComplexity(program: Command): void {
  program
    .command('complexity')
    .description('print {"params": N, "flops": N} of the final network built from a genome')
    .requiredOption('--space <name>', 'search space: nb201, darts or mobilenetv3')
    .requiredOption('--genome <genome>', "genome in the space's notation")
    .option('--set <path=value>', 'override a field, e.g. spec.searchSpace.final.channels=32 (repeatable)', collect, [])
    .action((opts: { space: string; genome: string; set: string[] }) => {
      const spec = bareManifest(opts.space, opts.set).spec;
      const space = spaceByName(spec.searchSpace.name);
      let genome: unknown;
      try {
        genome = space.parse(opts.genome);
      } catch (err) {
        throw new CliError([`--genome: ${(err as Error).message}`], EXIT.invalid);
      }
      const { params, flops } = countComplexity(space.build(genome, 'final', spec.searchSpace.final));
      process.stdout.write(`{"params": ${params}, "flops": ${flops}}\n`);
    });
}
