import { describe, expect, it } from 'vitest';
import { keptValue } from './cache';

describe('a kept value', () => {
  it('is read once per key, and again when the key changes or it is forgotten', async () => {
    let reads = 0;
    const kept = keptValue(async () => ++reads);
    expect(await kept.get('0')).toBe(1);
    expect(await kept.get('0')).toBe(1);
    expect(reads).toBe(1);
    expect(await kept.get('1')).toBe(2);
    kept.forget();
    expect(await kept.get('1')).toBe(3);
  });

  it('does not keep a failed read', async () => {
    let reads = 0;
    const kept = keptValue(async () => {
      reads += 1;
      if (reads === 1) throw { code: 'io', message: 'đĩa đầy' };
      return ['Thôn Đông'];
    });
    await expect(kept.get('0')).rejects.toEqual({ code: 'io', message: 'đĩa đầy' });
    expect(await kept.get('0')).toEqual(['Thôn Đông']);
    expect(reads).toBe(2);
  });
});
