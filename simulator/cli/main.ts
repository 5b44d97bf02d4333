/**
 * router-sim: the simulator's command line (contract: "Offline evaluation: the simulator's command line").
 *
 *   router-sim ope      --log FILE --format FORMAT --target POLICY [--json]
 *   router-sim replay   --log FILE --format FORMAT --policy POLICY [--json]
 *   router-sim simulate --scenario NAME --policy POLICY --n N
 *
 * Exit codes: 0 success, 1 the work failed (unreadable log, numerical failure, replay mismatch),
 * 2 bad usage (unknown command or option, malformed value).
 */
import { pathToFileURL } from 'node:url';
import { ERROR_CODES, RouterError } from '../../policies/errors.ts';
import type { CliIo } from './args.ts';
import { runOpe } from './commands/ope.ts';
import { runReplay } from './commands/replay.ts';
import { runSimulate } from './commands/simulate.ts';

export type { CliIo } from './args.ts';

const USAGE = `usage: router-sim <command> [options]   (npm run sim -- <command> [options])

commands:
  ope        off-policy estimates of a policy's mean reward from a log written by another policy
  replay     replay a learning policy over a log (Li et al. 2011), or verify a decision log bit-exactly
  simulate   run policies online against a synthetic payments world with known ground truth

Every command takes --seed N (same seed, same output) and --help.
`;

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'ope':
        return await runOpe(rest, io);
      case 'replay':
        return await runReplay(rest, io);
      case 'simulate':
        return await runSimulate(rest, io);
      case undefined:
        io.stderr.write(USAGE);
        return 2;
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(USAGE);
        return 0;
      default:
        io.stderr.write(`router-sim: unknown command "${command}"\n\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof RouterError) {
      io.stderr.write(`router-sim ${command}: ${e.code}: ${e.message}\n`);
      return e.code === ERROR_CODES.INVALID_ARGUMENT || e.code === ERROR_CODES.UNKNOWN_POLICY ? 2 : 1;
    }
    throw e;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const code = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, isTTY: process.stderr.isTTY === true });
  process.exitCode = code;
}
