import { describe, expect, it } from 'vitest';
import { RestartPolicy } from '../../engine/supervisor/restart-policy.js';

describe('restart policy', () => {
  it('backs off exponentially up to the cap, then gives up past maxRestarts in the window', () => {
    const p = new RestartPolicy({ initialMs: 100, maxMs: 500, maxRestarts: 4, windowMs: 60_000 });
    expect(p.onCrash(0)).toEqual({ restart: true, delayMs: 100 });
    expect(p.onCrash(1000)).toEqual({ restart: true, delayMs: 200 });
    expect(p.onCrash(2000)).toEqual({ restart: true, delayMs: 400 });
    expect(p.onCrash(3000)).toEqual({ restart: true, delayMs: 500 });
    expect(p.onCrash(4000)).toEqual({ restart: false, crashesInWindow: 5 });
  });

  it('forgets crashes older than the window', () => {
    const p = new RestartPolicy({ initialMs: 100, maxMs: 5000, maxRestarts: 1, windowMs: 1000 });
    expect(p.onCrash(0).restart).toBe(true);
    expect(p.onCrash(5000)).toEqual({ restart: true, delayMs: 100 });
    expect(p.onCrash(5500).restart).toBe(false);
  });
});
