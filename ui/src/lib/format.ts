// Money, dates and times the Vietnamese way, through Intl with the vi-VN locale:
// `1.500.000 ₫`, `23/11/2026`, `14:32`. Dates are calendar days (no time zone shift); instants
// are shown in Asia/Ho_Chi_Minh whatever the phone's zone.

const NBSP = '\u00a0';
const groups = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 0 });
const day = new Intl.DateTimeFormat('vi-VN', {
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
  timeZone: 'UTC',
});
const dayInVietnam = new Intl.DateTimeFormat('vi-VN', {
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
  timeZone: 'Asia/Ho_Chi_Minh',
});
const timeInVietnam = new Intl.DateTimeFormat('vi-VN', {
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
  timeZone: 'Asia/Ho_Chi_Minh',
});

/** `1.500.000 ₫` (a no-break space keeps the sign with the number). */
export function money(amount: number): string {
  return `${groups.format(amount)}${NBSP}₫`;
}

/** A count with its thousands grouped the Vietnamese way: `27500` → `27.500`. */
export function count(n: number): string {
  return groups.format(n);
}

/** Digits grouped with dots, for an amount typed in a field: `1500000` → `1.500.000`. */
export function groupDigits(text: string): string {
  const digits = text.replace(/\D/g, '');
  return digits === '' ? '' : groups.format(Number(digits));
}

function parts(format: Intl.DateTimeFormat, date: Date): string {
  const get = (type: string) => format.formatToParts(date).find((p) => p.type === type)?.value ?? '';
  return `${get('day')}/${get('month')}/${get('year')}`;
}

/** `2026-11-23` → `23/11/2026`. */
export function date(iso: string | null | undefined): string {
  if (!iso) return '';
  const [y, m, d] = iso.split('-').map(Number);
  if (!y || !m || !d) return iso;
  return parts(day, new Date(Date.UTC(y, m - 1, d)));
}

/** An instant as its day in Vietnam: `23/11/2026`. */
export function instantDate(instant: string | null | undefined): string {
  if (!instant) return '';
  return parts(dayInVietnam, new Date(instant));
}

/** Whether `instant` falls on the same day in Vietnam as `now`. */
export function sameDayInVietnam(instant: string, now: Date): boolean {
  return instantDate(instant) === parts(dayInVietnam, now);
}

/** The days a call-back is usually set for, counted from the day `now` falls on in Vietnam:
 * tomorrow, the coming Sunday (a week on when today is Sunday) and a week from today, each as
 * `dd/mm/yyyy`, the way the date field takes it. */
export function callBackDays(now: Date): { tomorrow: string; sunday: string; nextWeek: string } {
  const [d, m, y] = parts(dayInVietnam, now).split('/').map(Number);
  const today = Date.UTC(y, m - 1, d);
  const after = (days: number) => parts(day, new Date(today + days * 86_400_000));
  const weekday = new Date(today).getUTCDay();
  return { tomorrow: after(1), sunday: after(weekday === 0 ? 7 : 7 - weekday), nextWeek: after(7) };
}

/** An instant as its time in Vietnam: `14:32`. */
export function time(instant: string | null | undefined): string {
  if (!instant) return '';
  return timeInVietnam.format(new Date(instant));
}

/** `2026-11-01`, `2027-01-01` → `11/2026 – 01/2027`. */
export function monthRange(from: string, to: string): string {
  const month = (iso: string) => {
    const [y, m] = iso.split('-');
    return `${m}/${y}`;
  };
  return from === to ? month(from) : `${month(from)} – ${month(to)}`;
}

/** Basis points as a percentage: 4000 → `40%`, 2250 → `22,5%`. */
export function percent(bp: number): string {
  return `${new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 2 }).format(bp / 100)}%`;
}

/** A policy edition's label as people read it: `2026-12-01.1` → `01/12/2026`, a later edition of
 * the same day with its number (`2026-12-01.2` → `01/12/2026 (lần 2)`); another label as it is. */
export function policyEdition(version: string, revision = (n: number) => `lần ${n}`): string {
  const m = /^((\d{4})-(\d{2})-(\d{2}))\.(\d+)$/.exec(version);
  if (!m) return version;
  const [y, mo, d] = [Number(m[2]), Number(m[3]), Number(m[4])];
  const day = new Date(Date.UTC(y, mo - 1, d));
  // A label that is not a day on the calendar (`2026-13-01.1`) is shown as it is.
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d) return version;
  const n = Number(m[5]);
  return n > 1 ? `${date(m[1])} (${revision(n)})` : date(m[1]);
}

/** Whether a policy edition's label names a day (`2026-12-01.1`), as the office labels them. */
export function isDatedEdition(version: string): boolean {
  return policyEdition(version) !== version;
}

/** Words that name a kind of village; a part that ends with one is not a house's place. */
const VILLAGE_KINDS = /(^|\s)(thôn|xóm|tổ|bản|ấp|khu|làng|buôn|khóm|phố|sóc|plei|phum)$/;

/** A household's address within a list of its village: what comes before the village's name
 * (`Số 511, Thôn Đông, Xã Sóc Sơn, Hà Nội` and `Số 511 Thôn Đông, Xã Sóc Sơn` in Thôn Đông →
 * `Số 511`). The name must be a whole part, or end a part after a space when it has two words or
 * more (`Thôn Đông`); an address that does not name the village so (`Thôn 12` is not `Thôn 1`) is
 * shown whole. */
export function addressInVillage(address: string, village: string | null | undefined): string {
  if (!village) return address;
  const wanted = village.trim().toLocaleLowerCase('vi');
  const parts = address.split(/\s*[,;]\s*|\s+[–-]\s+/);
  const severalWords = wanted.includes(' ');
  for (const [at, part] of parts.entries()) {
    const trimmed = part.trim();
    const lower = trimmed.toLocaleLowerCase('vi');
    if (lower === wanted) return parts.slice(0, at).join(', ');
    if (severalWords && lower.endsWith(` ${wanted}`)) {
      const before = trimmed.slice(0, trimmed.length - wanted.length).trim();
      if (before && !VILLAGE_KINDS.test(before.toLocaleLowerCase('vi'))) {
        return [...parts.slice(0, at), before].join(', ');
      }
    }
  }
  return address;
}

/** Whether an address names the village as one of its parts. */
export function addressNamesVillage(address: string, village: string | null | undefined): boolean {
  return !!village && addressInVillage(address, village) !== address;
}

/** A phone clock this far from the office's (seconds) is called wrong: receipts and Hôm nay are
 * dated by it. A few minutes are a clock that drifted, not one to fix. */
export const CLOCK_SKEW_LIMIT_S = 5 * 60;

/** How wrong the phone's clock is (`offset`: seconds ahead of the office, negative behind), in
 * days, hours and minutes, or null within the limit. */
export function clockSkew(
  offset: number | null | undefined,
): { ahead: boolean; days: number; hours: number; minutes: number } | null {
  if (offset === null || offset === undefined || Math.abs(offset) < CLOCK_SKEW_LIMIT_S) return null;
  const minutesTotal = Math.round(Math.abs(offset) / 60);
  return {
    ahead: offset > 0,
    days: Math.floor(minutesTotal / 1440),
    hours: Math.floor((minutesTotal % 1440) / 60),
    minutes: minutesTotal % 60,
  };
}
