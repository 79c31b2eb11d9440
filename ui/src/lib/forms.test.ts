import { describe, expect, it } from 'vitest';
import { MODE_KINDS, modeMonths, paymentMode, progress, quotaPeriod } from './forms';
import { parse } from './router.svelte';

describe('form state', () => {
  it('writes payment modes in the wire form the domain reads', () => {
    expect(paymentMode('quarterly', 7)).toEqual({ kind: 'quarterly' });
    expect(paymentMode('years_ahead', 5)).toEqual({ kind: 'years_ahead', value: 5 });
    expect(paymentMode('missing_period', 24)).toEqual({ kind: 'missing_period', value: 24 });
    expect(MODE_KINDS.map((k) => modeMonths(paymentMode(k, 2)))).toEqual([1, 3, 6, 12, 24, 2]);
  });

  it('progress bars stay within 0–100%', () => {
    expect(progress(38, 60)).toBe(63);
    expect(progress(90, 60)).toBe(100);
    expect(progress(0, 0)).toBe(0);
    expect(progress(3, 0)).toBe(100);
  });

  it('reads hash routes with their parameters', () => {
    expect(parse('#/household/abc/edit')).toEqual({ path: ['household', 'abc', 'edit'], query: {} });
    expect(parse('#/quote?person=p1')).toEqual({ path: ['quote'], query: { person: 'p1' } });
    expect(parse('')).toEqual({ path: ['today'], query: {} });
  });
});

describe('quotaPeriod', () => {
  it('names a year or a half-year', () => {
    expect(quotaPeriod({ kind: 'year', year: 2026 })).toEqual({ key: 'targets.year', values: { year: 2026 } });
    expect(quotaPeriod({ kind: 'half_year', year: 2027, half: 1 })).toEqual({
      key: 'targets.half',
      values: { half: 1, year: 2027 },
    });
  });
});
