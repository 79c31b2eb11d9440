import { describe, expect, it } from 'vitest';
import { MODE_KINDS, PROVINCES, modeMonths, paymentMode, progress, quotaPeriod, readEnrolmentQr } from './forms';
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
      key: 'targets.half_1',
      values: { year: 2027 },
    });
    expect(quotaPeriod({ kind: 'half_year', year: 2027, half: 2 }).key).toBe('targets.half_2');
  });
});

describe('readEnrolmentQr', () => {
  it("reads the office's QR code: the code and the office's address", () => {
    expect(
      readEnrolmentQr('sotay://kich-hoat?ma=K7QX2-M9PRA&may-chu=http%3A%2F%2F192.168.1.10%3A8080'),
    ).toEqual({ code: 'K7QX2-M9PRA', officeUrl: 'http://192.168.1.10:8080' });
    expect(readEnrolmentQr(' sotay://kich-hoat?ma=K7QX2-M9PRA&may-chu= ')).toEqual({
      code: 'K7QX2-M9PRA',
      officeUrl: null,
    });
  });

  it('leaves a code typed or scanned alone, and a QR code without a code, to the form', () => {
    expect(readEnrolmentQr('K7QX2-M9PRA')).toBeNull();
    expect(readEnrolmentQr('sotay://kich-hoat?may-chu=http%3A%2F%2Fa')).toBeNull();
    expect(readEnrolmentQr('https://example.com/?ma=K7QX2')).toBeNull();
  });
});

describe('PROVINCES', () => {
  it('names the 34 provinces as people say them, in Vietnamese order', () => {
    expect(PROVINCES).toHaveLength(34);
    expect(PROVINCES.find((p) => p.code === '01')?.name).toBe('Hà Nội');
    expect(PROVINCES.find((p) => p.code === '79')?.name).toBe('Hồ Chí Minh');
    const names = PROVINCES.map((p) => p.name);
    expect(names.indexOf('Cao Bằng')).toBeLessThan(names.indexOf('Đà Nẵng'));
    expect(names.indexOf('Đà Nẵng')).toBeLessThan(names.indexOf('Hà Nội'));
  });
});
