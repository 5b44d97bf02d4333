import { describe, expect, it } from 'vitest';
import { TurnReplies, type HeldReply } from '../../src/http/turn-replies.ts';

const turnEnd = () => new Promise<void>((r) => setImmediate(r));

/** A reply that records what it was sent (and can be told to throw). */
function recorder(log: string[], name: string, fail = false): HeldReply {
  const reply: HeldReply = {
    header(k, v) {
      log.push(`${name} ${k}: ${v}`);
      return reply;
    },
    send(body) {
      if (fail) throw new Error(`${name} gone`);
      log.push(`${name} ${body}`);
      return reply;
    },
  };
  return reply;
}

describe('TurnReplies', () => {
  it('sends nothing while the turn runs, then every held answer in order at its end', async () => {
    const log: string[] = [];
    const turn = new TurnReplies('application/json');
    turn.hold(recorder(log, 'a'), '{"n":1}');
    turn.hold(recorder(log, 'b'), '{"n":2}');
    await Promise.resolve(); // microtasks of the same turn: still held
    expect(log).toEqual([]);
    expect(turn.size).toBe(2);
    await turnEnd();
    expect(log).toEqual(['a content-type: application/json', 'a {"n":1}', 'b content-type: application/json', 'b {"n":2}']);
    expect(turn.size).toBe(0);
  });

  it('a later turn gets a flush of its own', async () => {
    const log: string[] = [];
    const turn = new TurnReplies('text/plain');
    turn.hold(recorder(log, 'a'), 'one');
    await turnEnd();
    turn.hold(recorder(log, 'b'), 'two');
    await turnEnd();
    expect(log.filter((l) => !l.includes('content-type'))).toEqual(['a one', 'b two']);
  });

  it('a send that throws is reported and does not keep the others back', async () => {
    const log: string[] = [];
    const errors: unknown[] = [];
    const turn = new TurnReplies('application/json', (err) => errors.push(err));
    turn.hold(recorder(log, 'a'), 'x');
    turn.hold(recorder(log, 'b', true), 'y');
    turn.hold(recorder(log, 'c'), 'z');
    await turnEnd();
    expect(log.filter((l) => !l.includes('content-type'))).toEqual(['a x', 'c z']);
    expect(errors.map((e) => (e as Error).message)).toEqual(['b gone']);
    expect(turn.size).toBe(0);
  });
});
