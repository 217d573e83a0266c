// `fairway bench URL`: the load generator on the command line. Sweeps
// concurrency levels, prints a block per round and a summary table, writes
// JSON and an HTML report on request, and fails when errors pass a limit.
import { Buffer } from 'node:buffer';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { parseDuration } from '../config/duration.js';
import { planLoad, runLoad, type LoadOptions, type LoadProgress, type LoadRunResult } from '../load/engine.js';
import { formatInteger, formatMs, formatRound, formatSummary } from '../load/format-table.js';
import { renderReport } from '../load/report-html.js';

/** Exit code when --max-errors is exceeded (1 is for bad input and failures). */
export const EXIT_TOO_MANY_ERRORS = 2;

interface BenchFlags {
  concurrency?: string[];
  total?: string;
  duration?: string;
  rounds: string;
  timeout: string;
  method?: string;
  header: string[];
  body?: string;
  rate?: string;
  json?: string;
  report?: string;
  maxErrors?: string;
  backendHeader: string;
  workers: string;
  progress?: boolean;
}

class InputError extends Error {}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function wholeNumber(text: string, flag: string, min = 1): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < min) throw new InputError(`${flag}: "${text}" is not a whole number of at least ${min}`);
  return n;
}

function positiveNumber(text: string, flag: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InputError(`${flag}: "${text}" is not a number above 0`);
  return n;
}

function duration(text: string, flag: string): number {
  try {
    const ms = parseDuration(text);
    if (ms <= 0) throw new Error(`${JSON.stringify(text)} must be longer than 0`);
    return ms;
  } catch (error) {
    throw new InputError(`${flag}: ${(error as Error).message}`);
  }
}

function checkWritable(file: string, flag: string): string {
  const path = resolve(file);
  const dir = dirname(path);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError(`${flag}: folder ${dir} does not exist`);
  if (existsSync(path) && statSync(path).isDirectory()) throw new InputError(`${flag}: ${path} is a folder`);
  return path;
}

/**
 * -c is variadic, so in `bench -c 25 50 URL` commander hands the URL to -c.
 * Levels may also be written "25,50,100". Returns the levels and a URL found
 * among them, if any.
 */
function readLevels(values: readonly string[] | undefined): { levels: number[] | undefined; url: string | undefined } {
  if (values === undefined) return { levels: undefined, url: undefined };
  const levels: number[] = [];
  let url: string | undefined;
  for (const value of values) {
    for (const part of value.split(',')) {
      if (part.trim() === '') continue;
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(part) && url === undefined) url = part;
      else levels.push(wholeNumber(part, '--concurrency'));
    }
  }
  return { levels, url };
}

function toOptions(urlArg: string | undefined, flags: BenchFlags): LoadOptions {
  const { levels, url: urlFromLevels } = readLevels(flags.concurrency);
  const url = urlArg ?? urlFromLevels;
  if (url === undefined) throw new InputError('missing the URL to load, e.g. fairway bench http://127.0.0.1:8080/');
  let body: Buffer | undefined;
  if (flags.body !== undefined) {
    try {
      body = readFileSync(flags.body);
    } catch (error) {
      throw new InputError(`--body: cannot read ${flags.body}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  return {
    url,
    method: flags.method ?? (body === undefined ? 'GET' : 'POST'),
    headers: flags.header,
    body,
    concurrency: levels,
    total: flags.total === undefined ? undefined : wholeNumber(flags.total, '--total'),
    durationMs: flags.duration === undefined ? undefined : duration(flags.duration, '--duration'),
    rounds: wholeNumber(flags.rounds, '--rounds'),
    timeoutMs: duration(flags.timeout, '--timeout'),
    rate: flags.rate === undefined ? undefined : positiveNumber(flags.rate, '--rate'),
    backendHeader: flags.backendHeader,
    workers: wholeNumber(flags.workers, '--workers'),
  };
}

function describePlan(options: LoadOptions, result: ReturnType<typeof planLoad>): string {
  const length = result.total !== undefined ? `${formatInteger(result.total)} requests` : `${(result.durationMs ?? 0) / 1000} s`;
  const mode = result.rate === undefined ? 'closed loop' : `open model at ${formatInteger(result.rate)} req/s`;
  const body = options.body === undefined ? '' : `, body ${formatInteger(options.body.length)} bytes`;
  return (
    `fairway bench: ${result.request.method} ${options.url}${body}\n` +
    `levels ${result.concurrency.join(', ')} connections; ${result.rounds} round(s) of ${length}; ${mode}; ` +
    `timeout ${result.timeoutMs} ms${result.workers > 1 ? `; ${result.workers} worker threads` : ''}\n`
  );
}

function progressText(p: LoadProgress): string {
  const of =
    p.total !== undefined
      ? `${formatInteger(p.requests)}/${formatInteger(p.total)} req`
      : `${(p.elapsedMs / 1000).toFixed(1)}/${((p.durationMs ?? 0) / 1000).toFixed(0)} s, ${formatInteger(p.requests)} req`;
  return (
    `[level ${p.level}/${p.levels} c=${p.concurrency} round ${p.round}/${p.rounds}] ${of}, ` +
    `${formatInteger(p.currentRps)} req/s now, p50 ${formatMs(p.p50)} ms, p99 ${formatMs(p.p99)} ms, ${formatInteger(p.errorCount)} errors`
  );
}

/** A live line that rewrites itself on a terminal, or a plain line every few seconds otherwise. */
function progressPrinter(stream: NodeJS.WriteStream, enabled: boolean) {
  const tty = stream.isTTY === true;
  let shown = false;
  let lastPlain = 0;
  return {
    update(p: LoadProgress) {
      if (!enabled) return;
      if (tty) {
        const text = progressText(p);
        const width = stream.columns > 10 ? stream.columns - 1 : 120;
        stream.write(`\r\x1b[2K${text.length > width ? text.slice(0, width) : text}`);
        shown = true;
      } else if (p.elapsedMs - lastPlain >= 2_000 || p.elapsedMs < lastPlain) {
        lastPlain = p.elapsedMs;
        stream.write(`${progressText(p)}\n`);
      }
    },
    clear() {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
      lastPlain = 0;
    },
  };
}

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('load an HTTP endpoint: concurrency sweeps, latency percentiles, errors by kind, spread over backends')
    .argument('[url]', 'the URL to load, e.g. http://127.0.0.1:8080/')
    // Shown, not applied: toOptions() picks them when neither --total nor the flag is given.
    .addOption(new Option('-c, --concurrency <levels...>', 'connections per level, a sweep: -c 25 50 100').default(undefined, '50'))
    .option('-n, --total <n>', 'requests per round (instead of a duration)')
    .addOption(new Option('-d, --duration <duration>', 'length of each round, e.g. 10s').default(undefined, '10s'))
    .option('--rounds <n>', 'rounds per level', '1')
    .option('--timeout <duration>', 'a request unanswered this long is a timeout error', '5s')
    .addOption(new Option('-m, --method <method>', 'HTTP method').default(undefined, 'GET, or POST with --body'))
    .option('-H, --header <header>', "request header 'name: value'; repeat for more", collect, [])
    .option('--body <file>', 'send the contents of FILE as the request body')
    .option('--rate <rps>', 'open model: send RPS requests per second on schedule; latency counts from the intended send time')
    .option('--json <file>', 'write every result as JSON to FILE')
    .option('--report <file>', 'write a self-contained HTML report with charts to FILE')
    .option('--max-errors <pct>', `exit with code ${EXIT_TOO_MANY_ERRORS} when more than PCT % of the requests fail`)
    .option('--backend-header <name>', 'response header naming the backend that answered', 'x-backend')
    .option('--workers <n>', 'worker threads sharing the connections', '1')
    .option('--no-progress', 'no live progress line')
    .action(async (url: string | undefined, flags: BenchFlags) => {
      const fail = (message: string) => {
        process.stderr.write(`fairway bench: ${message}\n`);
        process.exitCode = 1;
      };
      let options: LoadOptions;
      let plan: ReturnType<typeof planLoad>;
      let jsonPath: string | undefined;
      let reportPath: string | undefined;
      let maxErrors: number | undefined;
      try {
        options = toOptions(url, flags);
        plan = planLoad(options);
        jsonPath = flags.json === undefined ? undefined : checkWritable(flags.json, '--json');
        reportPath = flags.report === undefined ? undefined : checkWritable(flags.report, '--report');
        if (flags.maxErrors !== undefined) {
          maxErrors = Number(flags.maxErrors.replace(/%$/, ''));
          if (flags.maxErrors.trim() === '' || !Number.isFinite(maxErrors) || maxErrors < 0 || maxErrors > 100) {
            throw new InputError(`--max-errors: "${flags.maxErrors}" is not a percentage from 0 to 100`);
          }
        }
      } catch (error) {
        fail((error as Error).message);
        return;
      }

      process.stdout.write(describePlan(options, plan));
      const progress = progressPrinter(process.stderr, flags.progress !== false);
      const controller = new AbortController();
      const onSignal = () => {
        if (controller.signal.aborted) process.exit(130);
        progress.clear();
        process.stderr.write('fairway bench: stopping (again to quit at once)\n');
        controller.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      let result: LoadRunResult;
      try {
        result = await runLoad(
          { ...options, signal: controller.signal },
          {
            onProgress: (p) => progress.update(p),
            onRound: (r) => {
              progress.clear();
              process.stdout.write(`\n${formatRound(r, plan.rounds, plan.backendHeader)}\n`);
            },
          },
        );
      } catch (error) {
        progress.clear();
        fail((error as Error).message);
        return;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      process.stdout.write(`\nsummary\n${formatSummary(result)}\n`);
      try {
        if (jsonPath !== undefined) {
          writeFileSync(jsonPath, JSON.stringify(result, null, 2) + '\n');
          process.stdout.write(`results written to ${jsonPath}\n`);
        }
        if (reportPath !== undefined) {
          writeFileSync(reportPath, renderReport(result));
          process.stdout.write(`report written to ${reportPath}\n`);
        }
      } catch (error) {
        fail(`cannot write results: ${(error as Error).message}`);
        return;
      }
      if (maxErrors !== undefined) {
        const pct = result.totals.errorRate * 100;
        if (pct > maxErrors) {
          process.stderr.write(`fairway bench: ${pct.toFixed(2)}% of the requests failed, above --max-errors ${maxErrors}%\n`);
          process.exitCode = EXIT_TOO_MANY_ERRORS;
        }
      }
    });
}
