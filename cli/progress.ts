// Progress of a run: on a terminal, one status line (cli-progress) that fits the terminal's
// width, with log lines printed above it and a summary after it; otherwise, or when
// --log-format is given, structured winston logs (text or JSON). Everything goes to stderr,
// so stdout stays clean.
import { Writable } from 'node:stream';
import { MultiBar, type SingleBar } from 'cli-progress';
import winston from 'winston';

export type LogFormat = 'text' | 'json';

export interface GenerationProgress {
  readonly generation: number;
  readonly evaluations: number;
  readonly failed: number;
  readonly hypervolume: number;
  readonly frontSize: number;
}

interface Payload {
  readonly label: string;
  readonly fields: readonly string[];
}

/**
 * One status line of at most `width - 1` columns (the last column would make some terminals
 * wrap): the label, a bar of whatever room is left (at least 10 cells), then as many of the
 * fields as fit; a line still too long is cut.
 */
export function statusLine(width: number, label: string, progress: number, fields: readonly string[]): string {
  const room = Math.max(20, width - 1);
  const kept = [...fields];
  const cells = (rest: string) => room - label.length - rest.length - 3;
  while (kept.length > 0 && cells(` ${kept.join(' | ')}`) < 10) kept.pop();
  const rest = kept.length > 0 ? ` ${kept.join(' | ')}` : '';
  const size = Math.max(0, Math.min(40, cells(rest)));
  const done = Math.round(Math.min(1, Math.max(0, progress)) * size);
  const line = `${label} ${size > 0 ? `[${'#'.repeat(done)}${'-'.repeat(size - done)}]` : ''}${rest}`;
  return line.length > room ? line.slice(0, room) : line;
}

const seconds = (s: number) => (!Number.isFinite(s) || s < 0 ? '?' : s >= 3600 ? `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m` : s >= 60 ? `${Math.floor(s / 60)}m${Math.round(s % 60)}s` : `${Math.round(s)}s`);

export class Progress {
  private bars?: MultiBar;
  private bar?: SingleBar;
  private generationDone = 0;
  private readonly useBar: boolean;
  readonly log: winston.Logger;

  constructor(format: LogFormat | undefined, private readonly total: number, private readonly generations: number) {
    const useBar = format === undefined && process.stderr.isTTY === true;
    this.useBar = useBar;
    const fmt =
      (format ?? 'text') === 'json'
        ? winston.format.combine(winston.format.timestamp(), winston.format.json())
        : winston.format.combine(
            winston.format.timestamp(),
            winston.format.printf(({ timestamp, level, message, ...meta }) => {
              const fields = Object.entries(meta).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
              return `${useBar ? '' : `${timestamp} `}${level} ${message}${fields.length ? ` ${fields.join(' ')}` : ''}`;
            }),
          );
    if (useBar) {
      this.bars = new MultiBar({
        format: (_options, params, payload: Payload) => statusLine(params.maxWidth, payload.label, params.progress, payload.fields),
        hideCursor: true,
        // The terminal wraps no line of ours: each is cut to the width.
        linewrap: true,
        gracefulExit: false,
        etaBuffer: 50,
      });
    }
    // With a bar, log lines go above it (cli-progress prints them before redrawing it), and
    // only warnings and errors are logged (the bar shows progress).
    const transport = this.bars
      ? new winston.transports.Stream({
          stream: new Writable({
            write: (chunk: Buffer, _enc, done) => {
              // After stop() (a line that arrives late), straight to the terminal.
              if (this.bars) this.bars.log(chunk.toString());
              else process.stderr.write(chunk);
              done();
            },
          }),
        })
      : new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] });
    this.log = winston.createLogger({ level: useBar ? 'warn' : 'info', format: fmt, transports: [transport] });
  }

  /** True when progress is drawn on a terminal (not logged). */
  get interactive(): boolean {
    return this.useBar;
  }

  start(evaluations: number, generation: number): void {
    this.generationDone = generation;
    this.bar = this.bars?.create(this.total, evaluations, this.payload(evaluations, '-', 0));
  }

  evaluated(evaluations: number): void {
    this.bar?.update(evaluations, this.payload(evaluations));
  }

  private last: { hv: string; front: number } = { hv: '-', front: 0 };
  private startedAt = performance.now();
  private startValue?: number;

  private payload(evaluations: number, hv = this.last.hv, front = this.last.front): Payload {
    this.last = { hv, front };
    this.startValue ??= evaluations;
    const elapsed = (performance.now() - this.startedAt) / 1000;
    const rate = (evaluations - this.startValue) / Math.max(elapsed, 1e-3);
    const eta = rate > 0 ? (this.total - evaluations) / rate : NaN;
    return {
      label: `gen ${this.generationDone}/${this.generations}`,
      fields: [`${evaluations}/${this.total} evals`, `front ${front}`, `hv ${hv}`, `ETA ${seconds(eta)}`],
    };
  }

  generation(p: GenerationProgress): void {
    this.generationDone = p.generation;
    this.bar?.update(p.evaluations, this.payload(p.evaluations, p.hypervolume.toPrecision(4), p.frontSize));
    this.log.info('generation complete', { ...p });
  }

  /** Stops the bar, leaving it drawn, and moves below it. */
  stop(): void {
    if (!this.bars) return;
    // stop() draws the bar once more but drops log lines not yet printed: update() prints them.
    this.bars.update();
    this.bars.stop();
    this.bars = undefined;
  }

  /** The closing lines of a run: printed under the bar on a terminal, logged otherwise. */
  summary(message: string, lines: readonly string[], fields: Record<string, unknown>): void {
    this.stop();
    if (this.useBar) process.stderr.write(`${lines.join('\n')}\n`);
    else this.log.info(message, fields);
  }
}

/** Download progress: a bar of bytes on a terminal, a log line per 10 % otherwise. */
export function downloadProgress(interactive: boolean, log: winston.Logger, what: string): { update(received: number, total?: number): void; stop(): void } {
  if (!interactive) {
    let logged = -1;
    return {
      update(received, total) {
        const tenth = total ? Math.floor((10 * received) / total) : -1;
        if (tenth > logged) {
          logged = tenth;
          log.info('downloading', { what, received, total });
        }
      },
      stop: () => undefined,
    };
  }
  const bars = new MultiBar({
    format: (_o, params, payload: { text: string }) => statusLine(params.maxWidth, 'download', params.progress, [payload.text]),
    hideCursor: true,
    linewrap: true,
    gracefulExit: false,
  });
  let bar: SingleBar | undefined;
  const mb = (n: number) => `${(n / 1e6).toFixed(1)}`;
  return {
    update(received, total) {
      const text = `${mb(received)}/${total ? mb(total) : '?'} MB ${what}`;
      if (!bar) bar = bars.create(total ?? 0, received, { text });
      else bar.update(received, { text });
    },
    stop: () => bars.stop(),
  };
}
