/**
 * Support for the router's integration tests against real NATS (JetStream) and Redis: URLs from
 * TEST_NATS_URL / TEST_REDIS_URL, a unique namespace per test (streams, subjects, keys), throwaway
 * servers for the outage tests, router processes, and cleanup.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection } from 'nats';
import { Redis } from 'ioredis';
import type { Bus } from '../../src/bus/bus.ts';
import { RedisStore } from '../../src/store/redis-store.ts';

export const NATS_URL = process.env['TEST_NATS_URL'] ?? 'nats://127.0.0.1:4222';
export const REDIS_URL = process.env['TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
export const ROOT = new URL('../../', import.meta.url).pathname;

export function uniqueNamespace(): string {
  return `t${randomBytes(5).toString('hex')}`;
}

/**
 * A `RedisStore` on REDIS_URL under `prefix` (a namespace of its own by default), connected; `onCleanup`
 * is handed what clears its keys and closes it.
 */
export async function connectedRedisStore(onCleanup: (fn: () => Promise<void>) => void, prefix = `${uniqueNamespace()}:`): Promise<RedisStore> {
  const store = new RedisStore({ url: REDIS_URL, prefix });
  await store.connect();
  await until('redis connected', () => (store.state() === 'connected' ? true : undefined));
  onCleanup(async () => {
    await store.clear();
    await store.close();
  });
  return store;
}

/**
 * A connected bus with a stream of its own (`<NS>_S` capturing `<ns>.events`); `onCleanup` is handed what
 * deletes the stream and closes the bus.
 */
export async function busWithStream<B extends Bus>(bus: B, onCleanup: (fn: () => Promise<void>) => void): Promise<{ bus: B; stream: string; subject: string }> {
  await bus.connect();
  const ns = uniqueNamespace();
  const stream = `${ns.toUpperCase()}_S`;
  const subject = `${ns}.events`;
  onCleanup(async () => {
    await bus.deleteStream(stream);
    await bus.close();
  });
  const owner = await bus.ensureStream({ name: stream, subjects: [subject] });
  if (owner !== stream) throw new Error(`stream ${stream} was not created (${owner} captures ${subject})`);
  return { bus, stream, subject };
}

/** The environment of an in-process router on the shared NATS and Redis in namespace `ns` (replica r1). */
export function natsRedisEnv(ns: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PORT: '0',
    LOG_LEVEL: 'silent',
    NATS_URL,
    REDIS_URL,
    ROUTER_NAMESPACE: ns,
    OUTCOME_SUBJECT: `${ns}.auth.outcome`,
    ROUTER_REPLICA_ID: 'r1',
    ...extra,
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Delete the namespace's streams and Redis keys. */
export async function cleanup(namespace: string, natsUrl = NATS_URL, redisUrl = REDIS_URL): Promise<void> {
  const nc = await connect({ servers: natsUrl });
  const jsm = await nc.jetstreamManager();
  const up = namespace.toUpperCase();
  for (const s of [`${up}_OUTCOMES`, `${up}_DECISIONS`, `${up}_DEAD_LETTERS`]) {
    try {
      await jsm.streams.delete(s);
    } catch {
      // not created
    }
  }
  await nc.close();
  const redis = new Redis(redisUrl);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  await redis.quit();
}

export async function natsClient(url = NATS_URL): Promise<NatsConnection> {
  return connect({ servers: url });
}

export interface Server {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
  /** Start again on the same port (and data directory). */
  restart(): Promise<void>;
  /** Send the server process a signal (SIGSTOP freezes it: connected, answering nothing; SIGCONT thaws it). */
  signal(signal: NodeJS.Signals): void;
}

async function waitPort(port: number, timeoutMs = 10_000): Promise<void> {
  const { Socket } = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
      s.connect(port, '127.0.0.1');
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`port ${port} did not open`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function processServer(url: string, port: number, command: string, args: string[], onStop?: () => void): Server {
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(command, args, { stdio: 'ignore' });
    await waitPort(port);
  };
  const stop = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return; // already exited
    const c = child;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  const server: Server & { start(): Promise<void> } = {
    url,
    port,
    start,
    stop: async () => {
      await stop();
      onStop?.();
    },
    restart: start,
    signal: (sig) => {
      child?.kill(sig);
    },
  };
  return server;
}

/** A throwaway redis-server without persistence. */
export async function startRedis(): Promise<Server> {
  const port = await freePort();
  const s = processServer(`redis://127.0.0.1:${port}`, port, 'redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no']) as Server & { start(): Promise<void> };
  await s.start();
  return s;
}

/** A throwaway nats-server with JetStream in a temporary directory (kept across restarts). */
export async function startNats(): Promise<Server & { dispose(): void }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'router-nats-'));
  const bin = process.env['NATS_SERVER_BIN'] ?? '/usr/sbin/nats-server';
  const s = processServer(`nats://127.0.0.1:${port}`, port, bin, ['-js', '-p', String(port), '-sd', dir, '-a', '127.0.0.1']) as Server & { start(): Promise<void> };
  await s.start();
  return Object.assign(s, { dispose: () => rmSync(dir, { recursive: true, force: true }) });
}

/** Poll `url`/healthz until it answers 200; fails (killing the child) if it exits or the time runs out. */
export async function waitHealthy(name: string, child: ChildProcess, url: string, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${output().slice(-2000)}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not start: ${output().slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface RouterProcess {
  readonly url: string;
  readonly child: ChildProcess;
  readonly output: () => string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  kill9(): Promise<void>;
}

/**
 * `src/main.ts` with the given environment, as ONE node process (tsx as a loader, not the tsx CLI, which
 * would run the server in a grandchild that SIGKILL does not reach); resolves once /healthz answers.
 */
export async function startRouterProcess(env: Record<string, string>): Promise<RouterProcess> {
  const port = Number(env['PORT']);
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/main.ts')], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy('router', child, url, () => out, 30_000);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    url,
    child,
    output: () => out,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      return exited;
    },
    async kill9() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

export async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
