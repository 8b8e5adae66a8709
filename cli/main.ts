// The `rwenas` command. Exit codes: see errors.ts (and the README).
import { Command, CommanderError } from 'commander';
import { CliError, EXIT } from './errors.js';

const program = new Command('rwenas')
  .description('Multi-objective neural architecture search with Random-Weight Evaluation')
  .version('0.1.0')
  .exitOverride()
  .showHelpAfterError('(rwenas --help for usage)');

// Each command's module (and what it imports: the operator, the evaluators) loads only when
// that command runs, so `rwenas validate` does not pay for ONNX Runtime; help loads them all.
const COMMANDS: Record<string, () => Promise<(program: Command) => void>> = {
  run: async () => (await import('./commands/run.js')).registerRun,
  operator: async () => (await import('./commands/operator.js')).registerOperator,
  validate: async () => (await import('./commands/validate.js')).registerValidate,
  complexity: async () => (await import('./commands/complexity.js')).registerComplexity,
  evaluate: async () => (await import('./commands/evaluate.js')).registerEvaluate,
  export: async () => (await import('./commands/export.js')).registerExport,
  report: async () => (await import('./commands/report.js')).registerReport,
};
const asked = process.argv[2];
for (const name of asked !== undefined && asked in COMMANDS ? [asked] : Object.keys(COMMANDS)) (await COMMANDS[name]())(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version are successes; any other usage error is invalid input.
    process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.invalid;
  } else if (err instanceof CliError) {
    process.stderr.write(`${err.lines.join('\n')}\n`);
    process.exitCode = err.exitCode;
  } else {
    process.stderr.write(`rwenas: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = EXIT.failed;
  }
}
