import { describe, it } from 'vitest';
import { feedStorm } from './feed-storm.js';

describe('chaos: a feed storm, short (the 10-minute one runs under npm run chaos)', () => {
  it('the exchange drops the connection every 2 s for 40 s: reconnects, resubscribes, no memory or descriptor growth, no thread lost', async () => {
    await feedStorm('feed-storm-short', 40_000, 2000);
  }, 120_000);
});
