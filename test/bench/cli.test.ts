import { afterEach, describe, expect, it, vi } from 'vitest';
import { benchCli } from '../../bench/run.js';

// The bench runs for minutes: a mistyped flag must stop at once with the usage, not start the full run.
describe('npm run bench command line', () => {
  afterEach(() => vi.restoreAllMocks());

  const capture = () => {
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
    return { out, err };
  };

  it('prints the usage and the suites for --help, and runs nothing', async () => {
    const { out, err } = capture();
    expect(await benchCli(['--help'])).toBe(0);
    expect(out.join('')).toMatch(/usage: npm run bench/);
    expect(out.join('')).toMatch(/suites: .*orders/);
    expect(err.join('')).not.toMatch(/\[bench/);
  });

  it('refuses an unknown flag with the usage and exit code 2, without a stack', async () => {
    const { err } = capture();
    expect(await benchCli(['--qiuck'])).toBe(2);
    expect(err.join('')).toMatch(/Unknown option '--qiuck'/);
    expect(err.join('')).toMatch(/usage: npm run bench/);
    expect(err.join('')).not.toMatch(/\n\s+at /);
  });

  it('refuses an unknown suite and names the ones there are', async () => {
    const { err } = capture();
    expect(await benchCli(['--only', 'order'])).toBe(2);
    expect(err.join('')).toMatch(/unknown suite\(s\) order: choose from .*orders/);
  });
});
