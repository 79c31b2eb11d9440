// How far a sync has come, for the progress bars: the first download says "1.200 / 27.500
// records" once the office has said how many there are (`remaining` on the pull's pages).

import type { SyncProgress } from './types';

export interface Progress {
  /** Done so far. */
  done: number;
  /** The whole, when known. */
  total: number | null;
  /** 0–100 when the whole is known, else null (an indeterminate bar). */
  percent: number | null;
}

/** The progress of a sync phase, or null when nothing is moving. */
export function syncProgress(p: SyncProgress | null | undefined): Progress | null {
  if (!p) return null;
  if (p.phase === 'pushing') {
    return { done: p.sent, total: p.total, percent: p.total > 0 ? percentOf(p.sent, p.total) : null };
  }
  if (p.phase === 'pulling') {
    const total = p.remaining === null || p.remaining === undefined ? null : p.changes + p.remaining;
    return { done: p.changes, total, percent: total ? percentOf(p.changes, total) : null };
  }
  return null;
}

function percentOf(done: number, total: number): number {
  return Math.max(0, Math.min(100, Math.floor((done / total) * 100)));
}
