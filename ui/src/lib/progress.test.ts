import { describe, expect, it } from 'vitest';
import { syncProgress } from './progress';

describe('syncProgress', () => {
  it('says how much of the first download has arrived once the office said how much is left', () => {
    expect(syncProgress({ phase: 'pulling', pages: 3, changes: 1200, remaining: 26300 })).toEqual({
      done: 1200,
      total: 27500,
      percent: 4,
    });
    expect(syncProgress({ phase: 'pulling', pages: 28, changes: 27500, remaining: 0 })).toEqual({
      done: 27500,
      total: 27500,
      percent: 100,
    });
  });

  it('is indeterminate while the total is unknown', () => {
    expect(syncProgress({ phase: 'pulling', pages: 0, changes: 0, remaining: null })).toEqual({
      done: 0,
      total: null,
      percent: null,
    });
    expect(syncProgress({ phase: 'pulling', pages: 1, changes: 0, remaining: 0 })?.percent).toBeNull();
  });

  it('counts a push by ops acknowledged and nothing while verifying', () => {
    expect(syncProgress({ phase: 'pushing', sent: 50, total: 200 })?.percent).toBe(25);
    expect(syncProgress({ phase: 'verifying' })).toBeNull();
    expect(syncProgress(null)).toBeNull();
  });
});
