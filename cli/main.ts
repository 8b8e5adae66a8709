// The `rwenas` command. Exit codes: see errors.ts (and the README).
import { Command, CommanderError } from 'commander';
import { registerComplexity } from './commands/complexity.js';
import { registerEvaluate } from './commands/evaluate.js';
import { registerOperator } from './commands/operator.js';
import { registerRun } from './commands/run.js';
import { registerValidate } from './commands/validate.js';
import { CliError, EXIT } from './errors.js';

const program = new Command('rwenas')
  .description('Multi-objective neural architecture search with Random-Weight Evaluation')
  .version('0.1.0')
  .exitOverride()
  .showHelpAfterError('(rwenas --help for usage)');
registerRun(program);
registerOperator(program);
registerValidate(program);
registerComplexity(program);
registerEvaluate(program);

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
