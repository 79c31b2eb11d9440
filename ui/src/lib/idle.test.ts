import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { afterQuiet, nudgeCollector } from './idle';

describe('after a quiet while', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('waits while the person types or scrolls, then acts once, and again after more use', () => {
    const page = new EventTarget();
    let calls = 0;
    const stop = afterQuiet(() => 1000, () => (calls += 1), page);
    // A key every 300 ms for three seconds: never quiet for a second.
    for (let i = 0; i < 10; i++) {
      vi.advanceTimersByTime(300);
      page.dispatchEvent(new Event(i % 2 ? 'keydown' : 'scroll'));
    }
    expect(calls).toBe(0);
    vi.advanceTimersByTime(999);
    expect(calls).toBe(0);
    vi.advanceTimersByTime(1);
    expect(calls).toBe(1);
    // Reading the screen: nothing more until the next touch.
    vi.advanceTimersByTime(60_000);
    expect(calls).toBe(1);
    page.dispatchEvent(new Event('pointerdown'));
    vi.advanceTimersByTime(1000);
    expect(calls).toBe(2);
    // Stopped: touches no longer count.
    stop();
    page.dispatchEvent(new Event('touchstart'));
    vi.advanceTimersByTime(5000);
    expect(calls).toBe(2);
  });

  it('counts the wait from the start, with no touch at all', () => {
    const page = new EventTarget();
    let calls = 0;
    afterQuiet(() => 250, () => (calls += 1), page);
    vi.advanceTimersByTime(250);
    expect(calls).toBe(1);
  });
});

describe('the collector nudge', () => {
  it('returns at once and throws nothing, whether or not the buffers are granted', () => {
    expect(() => nudgeCollector()).not.toThrow();
    const refused = vi.spyOn(globalThis, 'ArrayBuffer').mockImplementation(() => {
      throw new RangeError('Array buffer allocation failed');
    });
    expect(() => nudgeCollector()).not.toThrow();
    expect(refused).toHaveBeenCalledTimes(1);
    refused.mockRestore();
  });
});
