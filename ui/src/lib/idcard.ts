// The ID card a new household was filled from, kept in memory for the household's first
// person: the card that named the head also fills the head's own form (name, birth date, sex,
// ID number), so the card is read once. Never written anywhere; taken once.
import type { IdCardFill } from './types';

let kept: { householdId: string; card: IdCardFill } | null = null;

/** Keeps `card` for the first person added to `householdId`. */
export function keepHeadCard(householdId: string, card: IdCardFill): void {
  kept = { householdId, card };
}

/** The card kept for `householdId`, once; null when there is none. */
export function takeHeadCard(householdId: string): IdCardFill | null {
  if (!kept || kept.householdId !== householdId) return null;
  const card = kept.card;
  kept = null;
  return card;
}
