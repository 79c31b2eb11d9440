// Form state shared by the screens: which payment modes exist, how a typed mode becomes the
// wire form, and the options of each choice (labels come from i18n `enum.*`).

import provinceList from './generated/provinces.json';
import type { PaymentMode, QuotaPeriod } from './types';

export type ModeKind = PaymentMode['kind'];

export const MODE_KINDS: ModeKind[] = [
  'monthly',
  'quarterly',
  'semi_annual',
  'annual',
  'years_ahead',
  'missing_period',
];

/** The wire form of a mode chosen in a form (`years` / `months` for the lump sums). */
export function paymentMode(kind: ModeKind, count: number): PaymentMode {
  if (kind === 'years_ahead') return { kind, value: count };
  if (kind === 'missing_period') return { kind, value: count };
  return { kind } as PaymentMode;
}

/** Months a mode covers (for labels only; the quote's `period_months` is the authority). */
export function modeMonths(mode: PaymentMode): number {
  switch (mode.kind) {
    case 'monthly':
      return 1;
    case 'quarterly':
      return 3;
    case 'semi_annual':
      return 6;
    case 'annual':
      return 12;
    case 'years_ahead':
      return 12 * mode.value;
    case 'missing_period':
      return mode.value;
  }
}

export const SEXES = ['male', 'female'] as const;
export const POVERTY = ['none', 'near_poor', 'poor'] as const;
export const OCCUPATIONS = [
  'farmer',
  'informal_worker',
  'craft_village',
  'household_business',
  'student',
  'laid_off_worker',
  'other',
] as const;
export const COVERAGES = ['none', 'compulsory', 'voluntary', 'health_insurance_only'] as const;
export const SUPPORT_GROUPS = ['poor', 'near_poor', 'ethnic_minority', 'island', 'other'] as const;
export const OUTCOMES = ['not_at_home', 'informed', 'interested', 'declined'] as const;
export const CHANNELS = ['door_to_door', 'phone', 'meeting'] as const;
export const OUTREACH_KINDS = ['village_meeting', 'conference', 'dialogue', 'loudspeaker_broadcast'] as const;

/** Percentage of a target reached, 0–100, for a bar. */
export function progress(done: number, target: number): number {
  if (target <= 0) return done > 0 ? 100 : 0;
  return Math.min(100, Math.round((done / target) * 100));
}

/** The message naming a quota's period (`Năm 2026`, `6 tháng đầu năm 2026`), for
 * `$_(key, { values })`. */
export function quotaPeriod(period: QuotaPeriod): { key: string; values: Record<string, number> } {
  return period.kind === 'half_year'
    ? { key: `targets.half_${period.half === 1 ? 1 : 2}`, values: { year: period.year } }
    : { key: 'targets.year', values: { year: period.year } };
}

/** What the office's enrolment QR code holds (`sotay://kich-hoat?ma=…&may-chu=…`): the one-time
 * code and, when the office knows it, its address. `null` for any other text (a code typed or
 * scanned alone). */
export function readEnrolmentQr(text: string): { code: string; officeUrl: string | null } | null {
  const trimmed = text.trim();
  if (!trimmed.toLowerCase().startsWith('sotay://kich-hoat?')) return null;
  const query = new URLSearchParams(trimmed.slice(trimmed.indexOf('?') + 1));
  const code = query.get('ma')?.trim();
  if (!code) return null;
  const officeUrl = query.get('may-chu')?.trim() || null;
  return { code, officeUrl };
}

/** The 34 provinces for a choice, by the name people say (`Hà Nội`, not `Thành phố Hà Nội`), in
 * Vietnamese alphabetical order. */
export const PROVINCES: { code: string; name: string }[] = provinceList
  .map((p) => ({ code: p.code, name: p.name.replace(/^(Thành phố|Tỉnh)\s+/, '') }))
  .sort((a, b) => new Intl.Collator('vi').compare(a.name, b.name));
