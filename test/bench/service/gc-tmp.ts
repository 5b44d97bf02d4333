import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { load } from './load.ts';
import { freePort, ROOT, startCommand } from './processes.ts';

async function one(bare: boolean, policy = 'linucb'): Promise<void> {
  const port = await freePort();
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', PORT: String(port), HOST: '127.0.0.1', ROUTE_POLICY: policy };
  const base = bare ? ['--import', 'tsx', join(ROOT, 'test/bench/service/bare-server.ts'), String(port)] : startCommand();
  const args = ['--trace-gc', ...base];
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let marking = false;
  child.stdout!.on('data', (d: Buffer) => { if (marking) out += d.toString(); });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try { if ((await fetch(`${url}/${bare ? 'healthz' : 'readyz'}`)).ok) break; } catch { /* */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  await load(url, { connections: 10, durationSeconds: 3 });
  const u0 = cpu(child.pid!);
  marking = true;
  const r = await load(url, { connections: 10, durationSeconds: 5 });
  marking = false;
  const u1 = cpu(child.pid!);
  const lines = out.split('\n').filter((l) => l.includes('ms: '));
  let scav = 0, ms = 0, nScav = 0, nMs = 0;
  for (const l of lines) {
    const m = /, ([\d.]+) \/ ([\d.]+) ms/.exec(l);
    if (!m) continue;
    const t = Number(m[1]);
    if (l.includes('Scavenge')) { scav += t; nScav++; } else { ms += t; nMs++; }
  }
  const n = r.rps * 5;
  process.stderr.write(`${bare ? 'bare' : policy}: ${r.rps.toFixed(0)} req/s, CPU ${(((u1 - u0) * 1e4) / n).toFixed(1)} us/req; scavenges ${nScav} (${scav.toFixed(0)} ms, ${((scav * 1000) / n).toFixed(1)} us/req), other GC ${nMs} (${ms.toFixed(0)} ms, ${((ms * 1000) / n).toFixed(1)} us/req)\n`);
  if (process.argv.includes('--show')) process.stderr.write(lines.slice(-5).join('\n') + '\n');
  child.kill('SIGTERM');
  await new Promise((res) => child.once('exit', res));
}
import { readFileSync } from 'node:fs';
function cpu(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]);
}
for (let i = 0; i < 2; i++) {
  await one(true);
  await one(false, 'linucb');
  await one(false, 'thompson');
}
