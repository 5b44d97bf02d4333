/**
 * `npm start`: the router service. The only reader of process.env: validates the configuration (an
 * invalid variable stops the process with a message naming it), starts, and on SIGTERM/SIGINT drains and
 * writes a final snapshot before exiting.
 */
import { hostname } from 'node:os';
import { RouterError } from '../policies/errors.ts';
import { loadConfig } from './config.ts';
import { createRouter } from './router.ts';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env, { hostname: hostname() });
  } catch (err) {
    if (err instanceof RouterError) {
      process.stderr.write(`router: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const router = await createRouter(config, { defaultMetrics: true });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    router.logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      router.logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, 20_000);
    force.unref();
    router.close().then(
      () => process.exit(0),
      (err: unknown) => {
        router.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  await router.listen();
}

main().catch((err: unknown) => {
  process.stderr.write(`router: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
