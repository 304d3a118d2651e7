import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { compiled } from '../helpers/compiled.js';
import { QOS_DEVICE, qosDeviceWritable } from '../helpers/qos-device.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'tickring-failed-start-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/**
 * An engine whose start times out (1 ms: its threads are still loading), in a process of its own (startEngine sets
 * process-wide V8 flags): what it prints, the CPU wake-up limit in force after the failure (the device reads back
 * the strictest request held), and whether the process then ends by itself, as it does with nothing left running.
 */
const script = `
  const { readFileSync } = require('node:fs');
  const limit = () => { try { return readFileSync(${JSON.stringify(QOS_DEVICE)}).readInt32LE(0); } catch { return null; } };
  Promise.all([import(${JSON.stringify(compiled('engine/config/load.js'))}), import(${JSON.stringify(compiled('workers/engine-runner.js'))}), import(${JSON.stringify(compiled('engine/log.js'))})])
    .then(async ([{ loadConfig }, { startEngine }, { createLogger }]) => {
      const before = limit();
      const config = loadConfig({ TICKRING_HTTP_PORT: '0', TICKRING_INGEST_PORT: '0', TICKRING_DATA_DIR: ${JSON.stringify(dataDir)}, TICKRING_IDLE_POLL: 'true', TICKRING_LOG_LEVEL: 'silent' }, '');
      try {
        await startEngine(config, createLogger('silent', 'test'), 1);
        console.log(JSON.stringify({ failed: null }));
      } catch (e) {
        console.log(JSON.stringify({ failed: e.message, before, after: limit() }));
      }
    });`;

describe('an engine that fails to start', () => {
  it('leaves nothing running: its threads stop, its process ends by itself, and the idle-poll request is given back', async () => {
    // the 20-s timeout is the assertion that the process ends: a thread or a held handle left behind keeps it alive
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
    const r = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(r.failed).toMatch(/did not start within 1 ms/);
    if (qosDeviceWritable) {
      expect(r.before).toBeGreaterThan(0);
      expect(r.after).toBe(r.before);
    }
  }, 30_000);
});
