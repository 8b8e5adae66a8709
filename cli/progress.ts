// Progress of a run: a cli-progress bar on a terminal; structured winston logs (text or JSON)
// otherwise or when --log-format is given. Both write to stderr, so stdout stays clean.
import { SingleBar } from 'cli-progress';
import winston from 'winston';

export type LogFormat = 'text' | 'json';

export interface GenerationProgress {
  readonly generation: number;
  readonly evaluations: number;
  readonly failed: number;
  readonly hypervolume: number;
  readonly frontSize: number;
}

export class Progress {
  private bar?: SingleBar;
  readonly log: winston.Logger;

  constructor(format: LogFormat | undefined, private readonly total: number, private readonly generations: number) {
    const useBar = format === undefined && process.stderr.isTTY === true;
    const fmt =
      (format ?? 'text') === 'json'
        ? winston.format.combine(winston.format.timestamp(), winston.format.json())
        : winston.format.combine(
            winston.format.timestamp(),
            winston.format.printf(({ timestamp, level, message, ...meta }) => {
              const fields = Object.entries(meta).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
              return `${timestamp} ${level} ${message}${fields.length ? ` ${fields.join(' ')}` : ''}`;
            }),
          );
    // On a terminal with a bar, only warnings and errors are logged (the bar shows progress).
    this.log = winston.createLogger({
      level: useBar ? 'warn' : 'info',
      format: fmt,
      transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] })],
    });
    if (useBar) {
      this.bar = new SingleBar({
        format: 'generation {generation}/{generations} |{bar}| {value}/{total} evaluations | hypervolume {hv} | front {front} | ETA {eta_formatted}',
        hideCursor: true,
        etaBuffer: 50,
      });
    }
  }

  start(evaluations: number, generation: number): void {
    this.bar?.start(this.total, evaluations, { generation, generations: this.generations, hv: '-', front: 0 });
  }

  evaluated(evaluations: number): void {
    this.bar?.update(evaluations);
  }

  generation(p: GenerationProgress): void {
    this.bar?.update(p.evaluations, { generation: p.generation, hv: p.hypervolume.toPrecision(6), front: p.frontSize });
    this.log.info('generation complete', { ...p });
  }

  stop(): void {
    this.bar?.stop();
  }
}
