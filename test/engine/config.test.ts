import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../engine/config/load.js';

function file(content: unknown): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tickring-config-'));
  const f = path.join(dir, 'tickring.json');
  writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content));
  return f;
}
function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('defaults give a runnable engine: simulator, publishers, the two desk strategies, ports 8080 and 9001', () => {
    const c = loadConfig({});
    expect(c.http.port).toBe(8080);
    expect(c.ingest.port).toBe(9001);
    expect(c.feeds.simulator.enabled).toBe(true);
    expect(c.strategies.map((s) => [s.name, s.id])).toEqual([['volume-scalper', 'volume-scalper'], ['regime-detector', 'regime-detector']]);
    expect(c.strategies[0].params).toMatchObject({ whaleUsd: 50_000 });
    expect(c.rings.waitStrategy).toBe('spin-then-park');
  });

  it('each load is its own copy: changing one config never changes the defaults of the next', () => {
    const a = loadConfig({});
    a.feeds.simulator.enabled = false;
    a.strategies.push({ name: 'latency-probe', id: 'x', params: {} });
    const b = loadConfig({});
    expect(b.feeds.simulator.enabled).toBe(true);
    expect(b.strategies).toHaveLength(2);
  });

  it('environment variables override ports and log level', () => {
    const c = loadConfig({ TICKRING_HTTP_PORT: '18080', TICKRING_INGEST_PORT: '0', TICKRING_LOG_LEVEL: 'warn' });
    expect(c.http.port).toBe(18080);
    expect(c.ingest.port).toBe(0);
    expect(c.log.level).toBe('warn');
  });

  it('a bad environment value names the variable and what is allowed', () => {
    expect(problems(() => loadConfig({ TICKRING_HTTP_PORT: 'eighty' }))).toEqual([
      "TICKRING_HTTP_PORT: expected a port number 0-65535, got 'eighty'",
    ]);
    expect(problems(() => loadConfig({ TICKRING_LOG_LEVEL: 'loud' }))[0]).toMatch(/^log\.level: .*"info".*, got "loud"$/);
  });

  it('real-time scheduling: off by default, on from the environment, refused beside busy-spin rings', () => {
    expect(loadConfig({}).scheduling).toEqual({ realtime: false, priority: 10, sliceUs: 100, idlePoll: false });
    expect(loadConfig({ TICKRING_REALTIME: 'true' }).scheduling.realtime).toBe(true);
    expect(loadConfig({ TICKRING_REALTIME: 'false' }, file({ scheduling: { realtime: true } })).scheduling.realtime).toBe(false);
    expect(problems(() => loadConfig({ TICKRING_REALTIME: 'yes' }))).toEqual(["TICKRING_REALTIME: expected true or false, got 'yes'"]);
    expect(problems(() => loadConfig({}, file({ scheduling: { realtime: true, priority: 98 } })))[0]).toMatch(/^scheduling\.priority: /);
    expect(problems(() => loadConfig({ TICKRING_REALTIME: 'true' }, file({ rings: { waitStrategy: 'busy-spin' } })))).toEqual([
      'scheduling.realtime: not with rings.waitStrategy busy-spin (a real-time thread that never parks never gives its core back)',
    ]);
  });

  it('idle poll: off by default, on from the environment or the file', () => {
    expect(loadConfig({ TICKRING_IDLE_POLL: 'true' }).scheduling.idlePoll).toBe(true);
    expect(loadConfig({}, file({ scheduling: { idlePoll: true } })).scheduling.idlePoll).toBe(true);
    expect(loadConfig({ TICKRING_IDLE_POLL: 'false' }, file({ scheduling: { idlePoll: true } })).scheduling.idlePoll).toBe(false);
    expect(problems(() => loadConfig({ TICKRING_IDLE_POLL: 'on' }))).toEqual(["TICKRING_IDLE_POLL: expected true or false, got 'on'"]);
  });

  it('the scheduler slice of the tick threads: 100 us by default, 0 for the kernel default, else within what Linux takes', () => {
    expect(loadConfig({}, file({ scheduling: { sliceUs: 0 } })).scheduling.sliceUs).toBe(0);
    expect(loadConfig({}, file({ scheduling: { sliceUs: 250 } })).scheduling.sliceUs).toBe(250);
    for (const bad of [50, 200_000]) {
      const f = file({ scheduling: { sliceUs: bad } });
      expect(problems(() => loadConfig({}, f))).toEqual([`scheduling.sliceUs: expected 0 (the kernel default) or 100-100000 (the range Linux takes), got ${bad} (${f})`]);
    }
  });

  it('a file key with a bad value names the key and the allowed values', () => {
    const f = file({ rings: { waitStrategy: 'yield', tickCapacity: 1000 } });
    const p = problems(() => loadConfig({}, f));
    expect(p.some((m) => m.startsWith('rings.waitStrategy:') && m.includes('"busy-spin"') && m.includes('"park"'))).toBe(true);
    expect(p.some((m) => m.startsWith('rings.tickCapacity: must be a power of two'))).toBe(true);
  });

  it('unknown keys are refused, not ignored', () => {
    const p = problems(() => loadConfig({}, file({ ingest: { prot: 9001 } })));
    expect(p[0]).toMatch(/^ingest: .*prot/);
  });

  it('an unknown strategy stops start-up with the approved names and the name given', () => {
    const p = problems(() => loadConfig({}, file({ strategies: [{ name: 'martingale' }] })));
    expect(p[0]).toMatch(/^strategies\.0\.name: .*"latency-probe".*, got "martingale" \(/);
  });

  it("strategy parameters are validated by the strategy's own schema", () => {
    const p = problems(() => loadConfig({}, file({ strategies: [{ name: 'latency-probe', params: { every: 0 } }] })));
    expect(p[0]).toMatch(/^strategies\[0\]\.params\.every: /);
    const q = problems(() => loadConfig({}, file({ strategies: [{ name: 'latency-probe' }, { name: 'latency-probe' }] })));
    expect(q[0]).toMatch(/'latency-probe' is used twice/);
  });

  it('an unreadable or non-JSON file is a clear error', () => {
    expect(problems(() => loadConfig({}, '/nonexistent/tickring.json'))[0]).toMatch(/cannot read \/nonexistent/);
    expect(problems(() => loadConfig({}, file('{ nope')))[0]).toMatch(/not valid JSON/);
  });
});
