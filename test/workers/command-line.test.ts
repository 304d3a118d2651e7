import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseCommandLine, runCommand, UsageError } from '../../workers/command-line.js';
import { runBacktest, runSimulate } from '../../workers/backtest-cli.js';
import { createUserFromCli } from '../../workers/storage-cli.js';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../engine/config/load.js';

// Every command says a mistake on its command line the same way: the message, its usage, exit code 2, no stack;
// and none of them ignores a flag it does not know (a typo must not run with the default instead).
describe('the command line', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  const stderr = () => {
    const err: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
    return () => err.join('');
  };

  it('parses strictly: an unknown flag or a missing value is a UsageError', () => {
    const options = { out: { type: 'string' }, quick: { type: 'boolean' } } as const;
    expect(parseCommandLine({ args: ['--out', 'x', '--quick'], options }).values).toEqual({ out: 'x', quick: true });
    expect(() => parseCommandLine({ args: ['--outt', 'x'], options })).toThrow(UsageError);
    expect(() => parseCommandLine({ args: ['--out'], options })).toThrow(/argument missing/);
    expect(() => parseCommandLine({ args: ['extra'], options })).toThrow(UsageError);
  });

  it('turns a UsageError into the message, the usage and exit code 2; any other error goes on', async () => {
    const err = stderr();
    expect(await runCommand('tool', 'usage: tool X', () => { throw new UsageError('X is missing'); })).toBe(2);
    expect(err()).toBe('tool: X is missing\n\nusage: tool X\n');
    expect(await runCommand('tool', 'usage: tool X', () => 0)).toBe(0);
    await expect(runCommand('tool', 'usage: tool X', () => { throw new Error('disk full'); })).rejects.toThrow('disk full');
  });

  it('turns a ConfigError into the message and exit code 2, without the usage', async () => {
    const err = stderr();
    expect(await runCommand('tool', 'usage: tool X', () => { throw new ConfigError(['log.level: must be one of info, warn']); })).toBe(2);
    expect(err()).toBe('tool: invalid configuration:\n  - log.level: must be one of info, warn\n');
  });

  it('backtest stops at a config mistake with exit code 2 and the problem, and leaves no output folder behind', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tickring-cli-'));
    try {
      const input = path.join(dir, 'day.capture');
      writeFileSync(input, '');
      writeFileSync(path.join(dir, 'config.json'), '{"strategies": [{"name": "no-such-strategy"}]}');
      vi.stubEnv('TICKRING_CONFIG', path.join(dir, 'config.json'));
      const err = stderr();
      expect(await runBacktest([input, '--out', path.join(dir, 'out')])).toBe(2);
      expect(err()).toMatch(/^tickring backtest: invalid configuration:\n  - strategies\.0\.name: .*, got "no-such-strategy"/);
      expect(err()).not.toMatch(/usage:|\n\s+at /);
      expect(existsSync(path.join(dir, 'out'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('backtest refuses an unknown flag and a second input with its usage, before starting anything', async () => {
    const err = stderr();
    expect(await runBacktest(['day.capture', '--sped', 'max'])).toBe(2);
    expect(err()).toMatch(/tickring backtest: Unknown option '--sped'[\s\S]*usage: tickring backtest FILE/);
    expect(await runBacktest(['a.capture', 'b.capture'])).toBe(2);
    expect(err()).toMatch(/backtest needs one input file/);
    expect(err()).not.toMatch(/\n\s+at /);
  });

  it('simulate refuses a missing --out, a bad number and an unknown flag', async () => {
    const err = stderr();
    expect(await runSimulate([])).toBe(2);
    expect(err()).toMatch(/simulate needs --out FILE[\s\S]*usage: tickring simulate/);
    expect(await runSimulate(['--out', 'x.capture', '--hours', 'ten'])).toBe(2);
    expect(err()).toMatch(/--hours and --rate must be positive numbers/);
    expect(await runSimulate(['--out', 'x.capture', '--sead', '1'])).toBe(2);
    expect(err()).toMatch(/Unknown option '--sead'/);
  });

  it('user create refuses a mistyped flag, a missing name, an unknown role and contradicting flags', async () => {
    const config = loadConfig({});
    const err = stderr();
    expect(await createUserFromCli(config, ['create', '--usernme', 'ann'])).toBe(2);
    expect(err()).toMatch(/Unknown option '--usernme'/);
    expect(await createUserFromCli(config, ['create'])).toBe(2);
    expect(err()).toMatch(/--username is required/);
    expect(await createUserFromCli(config, ['create', '--username', 'ann', '--role', 'god'])).toBe(2);
    expect(err()).toMatch(/--role is one of viewer, operator, admin, not 'god'/);
    expect(await createUserFromCli(config, ['create', '--username', 'ann', '--admin', '--role', 'viewer'])).toBe(2);
    expect(err()).toMatch(/contradict/);
    expect(await createUserFromCli(config, ['delete', '--username', 'ann'])).toBe(2);
    expect(err()).toMatch(/the command is 'user create', not 'user delete'/);
    // a well-formed command without a database says what is missing (users live in PostgreSQL)
    expect(await createUserFromCli(config, ['create', '--username', 'ann'])).toBe(2);
    expect(err()).toMatch(/user create needs DATABASE_URL/);
  });
});
