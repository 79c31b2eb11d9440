import { describe, expect, it } from 'vitest';
import { addressInVillage, addressNamesVillage, callBackDays, clockSkew, count, date, groupDigits, instantDate, money, monthRange, percent, isDatedEdition, policyEdition, sameDayInVietnam, time } from './format';

const nbsp = '\u00a0';

describe('money', () => {
  it.each([
    [0, `0${nbsp}₫`],
    [500, `500${nbsp}₫`],
    [198_000, `198.000${nbsp}₫`],
    [1_500_000, `1.500.000${nbsp}₫`],
    [46_800_000, `46.800.000${nbsp}₫`],
  ])('%i is written the Vietnamese way', (amount, text) => {
    expect(money(amount)).toBe(text);
  });

  it('groups what is typed in an amount field', () => {
    expect(groupDigits('1500000')).toBe('1.500.000');
    expect(groupDigits('1.500.000 ₫')).toBe('1.500.000');
    expect(groupDigits('abc')).toBe('');
  });
});

describe('dates', () => {
  it('shows a calendar day as dd/mm/yyyy without shifting it', () => {
    expect(date('2026-11-23')).toBe('23/11/2026');
    expect(date('1985-03-07')).toBe('07/03/1985');
    expect(date(null)).toBe('');
  });

  it('shows instants in Asia/Ho_Chi_Minh whatever the zone of the machine', () => {
    // 17:30 UTC on 23/11 is 00:30 on 24/11 in Hà Nội.
    expect(instantDate('2026-11-23T17:30:00Z')).toBe('24/11/2026');
    expect(time('2026-11-23T04:02:00Z')).toBe('11:02');
  });

  it('offers call-back days from the day it is in Vietnam', () => {
    // Thursday 03/12/2026, 10:00 in Hà Nội.
    expect(callBackDays(new Date('2026-12-03T03:00:00Z'))).toEqual({ tomorrow: '04/12/2026', sunday: '06/12/2026', nextWeek: '10/12/2026' });
    // 18:00 UTC on Saturday 26/12 is already Sunday 27/12 in Hà Nội: the next Sunday is a week on.
    expect(callBackDays(new Date('2026-12-26T18:00:00Z'))).toEqual({ tomorrow: '28/12/2026', sunday: '03/01/2027', nextWeek: '03/01/2027' });
    // Saturday 27/02/2027: tomorrow is Sunday, across the end of February.
    expect(callBackDays(new Date('2027-02-27T05:00:00Z'))).toEqual({ tomorrow: '28/02/2027', sunday: '28/02/2027', nextWeek: '06/03/2027' });
  });

  it('names a period by its months', () => {
    expect(monthRange('2026-11-01', '2027-01-01')).toBe('11/2026 – 01/2027');
    expect(monthRange('2026-11-01', '2026-11-01')).toBe('11/2026');
  });

  it('writes percentages with a decimal comma', () => {
    expect(percent(4000)).toBe('40%');
    expect(percent(2250)).toBe('22,5%');
  });
});

describe('sameDayInVietnam', () => {
  it('compares days in Hà Nội, not in UTC', () => {
    const now = new Date('2026-12-03T10:00:00Z'); // 17:00 on 03/12 in Hà Nội
    expect(sameDayInVietnam('2026-12-02T20:00:00Z', now)).toBe(true); // 03:00 on 03/12
    expect(sameDayInVietnam('2026-12-02T16:00:00Z', now)).toBe(false); // 23:00 on 02/12
  });
});

describe('count', () => {
  it('groups thousands with dots', () => {
    expect(count(1200)).toBe('1.200');
    expect(count(27500)).toBe('27.500');
    expect(count(0)).toBe('0');
  });
});

describe('policyEdition', () => {
  it('names an edition by its day, and a later one of the same day by its number', () => {
    expect(policyEdition('2026-12-01.1')).toBe('01/12/2026');
    expect(policyEdition('2026-12-01.2')).toBe('01/12/2026 (lần 2)');
    expect(policyEdition('2026-12-01.3', (n) => `edition ${n}`)).toBe('01/12/2026 (edition 3)');
  });

  it('shows another label as it is', () => {
    expect(policyEdition('thử nghiệm')).toBe('thử nghiệm');
    expect(policyEdition('2026-12-01')).toBe('2026-12-01');
    expect(policyEdition('2026-13-01.1')).toBe('2026-13-01.1');
    expect(policyEdition('2026-02-30.1')).toBe('2026-02-30.1');
    expect(isDatedEdition('2026-12-01.1')).toBe(true);
    expect(isDatedEdition('thử nghiệm')).toBe(false);
  });
});

describe('addressInVillage', () => {
  it('keeps what comes before the village in its list', () => {
    expect(addressInVillage('Số 511, Thôn Đông, Xã Sóc Sơn, Hà Nội', 'Thôn Đông')).toBe('Số 511');
    expect(addressInVillage('Xóm 3 - thôn Đông', 'Thôn Đông')).toBe('Xóm 3');
  });

  it('finds the village at the end of a part, as addresses are usually written', () => {
    expect(addressInVillage('Số 151 Thôn Đông, Xã Sóc Sơn, Hà Nội', 'Thôn Đông')).toBe('Số 151');
    expect(addressInVillage('Ngõ 2, Số 4 thôn Đông, Sóc Sơn', 'Thôn Đông')).toBe('Ngõ 2, Số 4');
    expect(addressNamesVillage('Số 151 Thôn Đông, Xã Sóc Sơn', 'Thôn Đông')).toBe(true);
    // Not a longer village's name, nor a one-word name inside another village's.
    expect(addressInVillage('Số 5 Thôn Đông Lớn, Xã Sóc Sơn', 'Thôn Đông')).toBe('Số 5 Thôn Đông Lớn, Xã Sóc Sơn');
    expect(addressInVillage('Số 3 Thôn 12', 'Thôn 1')).toBe('Số 3 Thôn 12');
    expect(addressInVillage('Số 5 Thôn Đông', 'Đông')).toBe('Số 5 Thôn Đông');
    expect(addressInVillage('Số 5 Thôn Đông Lớn', 'Đông Lớn')).toBe('Số 5 Thôn Đông Lớn');
  });

  it('shows an address that does not name the village whole, and the village alone as nothing', () => {
    expect(addressInVillage('Số 7, Thôn Đoài', 'Thôn Đông')).toBe('Số 7, Thôn Đoài');
    expect(addressInVillage('Thôn Đông, Xã Sóc Sơn', 'Thôn Đông')).toBe('');
    expect(addressInVillage('Số 9', null)).toBe('Số 9');
    // A part is the village only when it is the whole name.
    expect(addressInVillage('Số 3, Thôn 12, Xã Sóc Sơn', 'Thôn 1')).toBe('Số 3, Thôn 12, Xã Sóc Sơn');
    expect(addressNamesVillage('Số 3, Thôn 12', 'Thôn 1')).toBe(false);
    expect(addressNamesVillage('Số 3, Thôn 1', 'Thôn 1')).toBe(true);
  });
});

describe('clockSkew', () => {
  it('leaves a clock a few minutes off alone', () => {
    expect(clockSkew(null)).toBeNull();
    expect(clockSkew(0)).toBeNull();
    expect(clockSkew(299)).toBeNull();
    expect(clockSkew(-299)).toBeNull();
  });
  it('says how far ahead or behind, in days, hours and minutes', () => {
    expect(clockSkew(3 * 3600 + 5 * 60)).toEqual({ ahead: true, days: 0, hours: 3, minutes: 5 });
    expect(clockSkew(-(2 * 86400 + 3600))).toEqual({ ahead: false, days: 2, hours: 1, minutes: 0 });
    expect(clockSkew(300)).toEqual({ ahead: true, days: 0, hours: 0, minutes: 5 });
  });
});
