import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildChaosReport } from './report.js';
import type { ScenarioRecord } from './chaos-kit.js';

const record = (name: string, lost: Record<string, number>): ScenarioRecord => ({
  name, did: `did ${name}`, durationS: 12, lost, hop: 'tick_to_signal', figures: { restarts: 2 },
  p99Us: { before: 400, during: 2500, after: 450 },
  timeline: [
    { t: 0.5, p99Us: 400, p50Us: 50, samples: 10, phase: 'before' },
    { t: 1, p99Us: 2500, p50Us: 100, samples: 10, phase: 'during' },
    { t: 1.5, p99Us: null, p50Us: null, samples: 0, phase: 'during' },
    { t: 2, p99Us: 450, p50Us: 50, samples: 10, phase: 'after' },
  ],
});

describe('the chaos report', () => {
  it('collects every scenario into JSON, a summary and a page with its latency over time; anything lost is called out', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tickring-chaos-'));
    mkdirSync(path.join(dir, 'scenarios'));
    writeFileSync(path.join(dir, 'scenarios', 'a.json'), JSON.stringify(record('a', { fills: 0 })));
    writeFileSync(path.join(dir, 'scenarios', 'b.json'), JSON.stringify(record('b', { fills: 0, orders: 3 })));
    const r = buildChaosReport(dir);
    expect(r.scenarios.map((s) => s.name)).toEqual(['a', 'b']);
    expect(r.allLostZero).toBe(false);
    expect(r.summary).toContain('ok   a (12 s): did a');
    expect(r.summary).toContain('LOST b (12 s)');
    expect(r.summary).toContain('tick_to_signal p99: before 400 us, during 2.5 ms, after 450 us');
    expect(JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')).allLostZero).toBe(false);
    const html = readFileSync(path.join(dir, 'report.html'), 'utf8');
    expect(html.match(/<svg /g)).toHaveLength(2);
    expect(html.match(/<circle /g)).toHaveLength(6); // the windows with samples
    expect(html).not.toMatch(/<script|https?:\/\//);
  });
});
