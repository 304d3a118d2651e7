import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../helpers/compiled.js';
import { startEngineProcess, type EngineProcess } from '../helpers/engine-process.js';

const run = promisify(execFile);
const promtool = (() => {
  try {
    execFileSync('promtool', ['--version'], { stdio: 'ignore' });
    return 'promtool';
  } catch {
    throw new Error('promtool is not installed: apt-get install -y prometheus (scripts/ensure-tools.sh does it)');
  }
})();
const deploy = (f: string) => path.join(ROOT, 'deploy', f);

let engine: EngineProcess;
let metricsText = '';
beforeAll(async () => {
  engine = await startEngineProcess({ feeds: { simulator: { ticksPerSecond: 2000 } }, strategies: [{ name: 'latency-probe', params: { every: 5 } }] });
  await engine.waitFor('signals', async () => (await engine.metric('tickring_risk_signals_total')) > 20);
  metricsText = (await engine.get('/metrics')).text;
});
afterAll(() => engine?.stop());

describe('Prometheus and Grafana files', () => {
  it('promtool check metrics accepts the real /metrics output', async () => {
    const child = execFile(promtool, ['check', 'metrics']);
    const done = new Promise<{ code: number; out: string }>((resolve) => {
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      child.stderr!.on('data', (d) => (out += d));
      child.on('close', (code) => resolve({ code: code ?? -1, out }));
    });
    child.stdin!.end(metricsText);
    const { code, out } = await done;
    expect(out).toBe('');
    expect(code).toBe(0);
  });

  it('promtool check config and check rules accept deploy/prometheus', async () => {
    await expect(run(promtool, ['check', 'config', deploy('prometheus/prometheus.yml')])).resolves.toBeDefined();
    const rules = await run(promtool, ['check', 'rules', deploy('prometheus/alerts.yml')]);
    expect(rules.stdout).toMatch(/SUCCESS: 11 rules found/);
  });

  it('every metric the alerts and the dashboard use exists in the real output', () => {
    const exposed = new Set([...metricsText.matchAll(/^# TYPE (\S+) (\S+)/gm)].flatMap(([, name, type]) => (type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name])));
    const used = (text: string) => new Set([...text.matchAll(/\b(tickring_[a-z_]+)\b/g)].map((m) => m[1]));
    const dashboard = JSON.parse(readFileSync(deploy('grafana/tickring-dashboard.json'), 'utf8'));
    expect(dashboard.panels.length).toBeGreaterThan(4);
    for (const name of [...used(readFileSync(deploy('prometheus/alerts.yml'), 'utf8')), ...used(JSON.stringify(dashboard))]) expect(exposed, name).toContain(name);
  });
});
