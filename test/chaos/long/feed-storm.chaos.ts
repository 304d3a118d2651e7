import { describe, it } from 'vitest';
import { feedStorm } from '../feed-storm.js';

describe('chaos (long): a 10-minute feed storm', () => {
  it('the exchange drops the connection every 3 s for 10 minutes: reconnects, resubscribes, no memory or descriptor growth, no thread lost', async () => {
    await feedStorm('feed-storm', 10 * 60_000, 3000);
  }, 15 * 60_000);
});
