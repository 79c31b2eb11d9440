// The villages of the user's area with their household counts, kept between visits (the
// Households tab, the household form, meetings): read from the store once, and again only after
// something changed them — a sync that brought records, or a household saved on this phone.

import { api } from './api';
import { keptValue } from './cache';
import { session } from './session.svelte';
import type { VillageDto } from './types';

const kept = keptValue<VillageDto[]>(() => api.villages());

/** The villages, from what was kept when nothing changed since. */
export function villages(): Promise<VillageDto[]> {
  return kept.get(String(session.sync?.revision ?? 0));
}

/** A household was added or moved here: the counts changed. */
export function villagesChanged(): void {
  kept.forget();
}
