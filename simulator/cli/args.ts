/**
 * Command-line parsing for router-sim: `node:util` parseArgs in strict mode (unknown options are errors),
 * plus typed readers that name the option in every error (InvalidArgumentError, exit code 2).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { InvalidArgumentError } from '../../policies/errors.ts';

/** Streams and terminal flag a command writes to (injected: tests pass buffers). */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** Whether stderr is a terminal (progress bars redraw in place). */
  readonly isTTY: boolean;
}

export type OptionKind = 'string' | 'boolean';

export interface OptionSpec {
  readonly kind: OptionKind;
  /** One line for --help. */
  readonly help: string;
}

/** Options every log-reading command (ope, replay) takes, with one meaning everywhere. */
export const LOG_INPUT_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  log: { kind: 'string', help: 'the log file' },
  format: { kind: 'string', help: 'jsonl (router decision log), csv (generic), obd (Open Bandit Dataset)' },
  json: { kind: 'boolean', help: 'print one JSON object on stdout' },
  quiet: { kind: 'boolean', help: 'no progress output' },
};

export type ParsedOptions = Readonly<Record<string, string | boolean | undefined>>;

/** Parse argv against the command's options; `--help` is always accepted. */
export function parseOptions(command: string, argv: readonly string[], spec: Readonly<Record<string, OptionSpec>>): ParsedOptions {
  const options: Record<string, { type: OptionKind }> = { help: { type: 'boolean' } };
  for (const [name, s] of Object.entries(spec)) options[name] = { type: s.kind };
  try {
    const { values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
    return values as ParsedOptions;
  } catch (e) {
    const message = (e as Error).message;
    const m = /'(--?[\w-]+)/.exec(message);
    throw new InvalidArgumentError(m?.[1] ?? command, `${message.replace(/\. To specify a positional argument.*$/s, '')} (see router-sim ${command} --help)`);
  }
}

/** Usage text of a command from its option spec. */
export function usage(command: string, synopsis: string, spec: Readonly<Record<string, OptionSpec>>): string {
  const rows = Object.entries(spec).map(([name, s]) => {
    const flag = s.kind === 'boolean' ? `--${name}` : `--${name} ${name.toUpperCase().replace(/-/g, '_')}`;
    return `  ${flag.padEnd(30)} ${s.help}`;
  });
  return `usage: router-sim ${command} ${synopsis}\n\n${rows.join('\n')}\n`;
}

export function requiredString(o: ParsedOptions, name: string): string {
  const v = o[name];
  if (typeof v !== 'string' || v === '') throw new InvalidArgumentError(`--${name}`, 'is required');
  return v;
}

export function optionalString(o: ParsedOptions, name: string): string | undefined {
  const v = o[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new InvalidArgumentError(`--${name}`, 'needs a value');
  return v;
}

/** A finite number in [min, max]; `integer` requires a whole number. */
export function numberOption(o: ParsedOptions, name: string, fallback: number, min: number, max: number, integer = false): number {
  const raw = optionalString(o, name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v)) throw new InvalidArgumentError(`--${name}`, `expected a number, got "${raw}"`);
  if (integer && !Number.isInteger(v)) throw new InvalidArgumentError(`--${name}`, `expected an integer, got "${raw}"`);
  if (v < min || v > max) throw new InvalidArgumentError(`--${name}`, `must be in [${min}, ${max}], got ${v}`);
  return v;
}

export function flag(o: ParsedOptions, name: string): boolean {
  return o[name] === true;
}

/** `--seed N`: an integer in [0, 2^32). Default 1. */
export function seedOption(o: ParsedOptions): number {
  return numberOption(o, 'seed', 1, 0, 4294967295, true);
}

/** A JSON object given inline (`{"a":1}`) or as `@FILE`. */
export function jsonObjectOption(o: ParsedOptions, name: string): Record<string, unknown> | undefined {
  const raw = optionalString(o, name);
  if (raw === undefined) return undefined;
  return parseJsonObject(`--${name}`, raw.startsWith('@') ? readText(`--${name}`, raw.slice(1)) : raw);
}

/** A JSON object from a file named by the option. */
export function jsonFileOption(o: ParsedOptions, name: string): Record<string, unknown> | undefined {
  const path = optionalString(o, name);
  if (path === undefined) return undefined;
  return parseJsonObject(`--${name}`, readText(`--${name}`, path));
}

function readText(option: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new InvalidArgumentError(option, `cannot read ${path}: ${(e as Error).message}`);
  }
}

function parseJsonObject(option: string, text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new InvalidArgumentError(option, `invalid JSON: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InvalidArgumentError(option, 'expected a JSON object');
  return v as Record<string, unknown>;
}

/** Comma-separated list. */
export function listOption(o: ParsedOptions, name: string): string[] | undefined {
  const raw = optionalString(o, name);
  if (raw === undefined) return undefined;
  const items = raw.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw new InvalidArgumentError(`--${name}`, `empty item in "${raw}"`);
  return items;
}
