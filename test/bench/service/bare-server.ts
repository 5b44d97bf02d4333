/**
 * The baseline of the HTTP benchmark: the project's own fastify, in its own process, with no logger, one
 * POST route that parses the same JSON body as `/v1/route` and answers a small JSON object. Nothing else.
 * Run: `node --import tsx test/bench/service/bare-server.ts PORT`; prints `listening <url>` when ready.
 */
import Fastify from 'fastify';

const port = Number(process.argv[2] ?? '0');
const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
let n = 0;
app.post('/v1/route', async (request) => {
  const body = request.body as { transactionId?: string; candidates?: readonly string[] };
  n++;
  return { decisionId: `bare-${n}`, route: body.candidates?.[0] ?? 'none', transactionId: body.transactionId ?? '' };
});
app.get('/healthz', async () => ({ status: 'ok' }));
const address = await app.listen({ port, host: '127.0.0.1' });
process.stdout.write(`listening ${address}\n`);
const stop = (): void => {
  void app.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
