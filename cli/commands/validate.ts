// `rwenas validate FILE [--set PATH=VALUE ...]`: prints `FILE: valid` and exits 0, or prints
// one line per problem (field path: what was expected, got what) and exits 2.
import type { Command } from 'commander';
import { collect } from '../errors.js';
import { readManifest } from '../manifest.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check a NASExperiment manifest: exit 0 if valid, else 2 with one line per problem')
    .argument('<file>', 'manifest (YAML)')
    .option('--set <path=value>', 'override a field by dotted path, value read as YAML (repeatable)', collect, [])
    .action(async (file: string, opts: { set: string[] }) => {
      await readManifest(file, opts.set);
      process.stdout.write(`${file}: valid\n`);
    });
}
