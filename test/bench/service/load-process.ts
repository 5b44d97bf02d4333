/**
 * The HTTP benchmarks' load generator as a process of its own (see `load` in load.ts): runs
 * `loadInThisProcess` with the JSON `{ url, options }` given as its argument and prints the result as one
 * JSON line.
 */
import { loadInThisProcess, type LoadOptions } from './load.ts';

const { url, options } = JSON.parse(process.argv[2] ?? '{}') as { url: string; options: LoadOptions };
const result = await loadInThisProcess(url, options);
process.stdout.write(`${JSON.stringify(result)}\n`);
