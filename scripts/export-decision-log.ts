/**
 * Export the router's decision log from NATS (stream `<NAMESPACE>_DECISIONS`: every replica's decisions
 * and applied outcomes) to a JSONL file the simulator reads (`npm run sim -- ope --log FILE --format
 * jsonl ...`, `replay --verify`). Reads the stream from its first message to its last at start with an
 * ordered consumer; shows progress on stderr. A message holds one record, or a group of records one per line
 * (the router groups them on NATS): each record becomes a line of the file, but for the copies of an
 * outcome that other replicas logged too (every replica logs the outcomes it applies): each decision is
 * written once, followed where it comes (or right after it, if a copy came first) by one copy of its
 * outcome (`FirstOutcomes`).
 *
 *   npx tsx scripts/export-decision-log.ts --out decisions.jsonl [--nats nats://127.0.0.1:4222] [--namespace router]
 */
import { createWriteStream } from 'node:fs';
import { connect } from 'nats';
import { FirstOutcomes } from '../src/decisions/first-outcomes.ts';
import { createProgress } from '../simulator/report/progress.ts';

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`--${name}: required`);
  return v;
}

async function main(): Promise<void> {
  const out = arg('out');
  const namespace = arg('namespace', 'router');
  const stream = `${namespace.toUpperCase().replace(/-/g, '_')}_DECISIONS`;
  const nc = await connect({ servers: arg('nats', 'nats://127.0.0.1:4222') });
  const jsm = await nc.jetstreamManager();
  const info = await jsm.streams.info(stream);
  const last = info.state.last_seq;
  const file = createWriteStream(out);
  const bar = createProgress({ label: `export ${stream}`, total: info.state.messages, stream: process.stderr, isTTY: process.stderr.isTTY === true, unit: 'messages' });
  let written = 0;
  const first = new FirstOutcomes();
  if (info.state.messages > 0) {
    const consumer = await nc.jetstream().consumers.get(stream);
    const messages = await consumer.consume();
    for await (const m of messages) {
      const kept = m.string().split('\n').flatMap((line) => first.take(line));
      written += kept.length;
      if (kept.length > 0 && !file.write(kept.join('\n') + '\n')) await new Promise<void>((r) => file.once('drain', () => r()));
      bar.tick();
      if (m.seq >= last) break;
    }
  }
  first.finish();
  bar.finish();
  await new Promise<void>((r) => file.end(r));
  await nc.close();
  process.stderr.write(
    `exported ${written} records from ${info.state.messages} messages (stream sequences ${info.state.first_seq}..${last}) to ${out}; ` +
      `${first.leftOut} outcomes left out (copies logged by other replicas, or of decisions not in the stream), ${first.repeatedDecisions} repeated decision records left out, ${first.unjoined} decisions without an outcome\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`export-decision-log: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
