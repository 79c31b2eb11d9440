// Start-up marks for the start benchmark: when the page began loading (`performance.timeOrigin`),
// when the UI's script ran, when the first command answered, when the first screen (the PIN
// lock, or Today) was in the DOM. Each is wall-clock ms since the epoch, so the app can line
// them up with its own marks and the moment the process was spawned; `mark_ready` hands them
// over once that screen is painted. Steps after start (the unlock, Today's data) are User
// Timing marks the benchmark reads in the page.

import { api } from './api';

const marks: Record<string, number> = {};

/** Records `name` now (the first time only). */
export function markStart(name: string): void {
  if (typeof performance === 'undefined' || name in marks) return;
  marks[name] = performance.timeOrigin + performance.now();
}

/** The marks so far, with the navigation start. */
export function startMarks(): Record<string, number> {
  if (typeof performance === 'undefined') return { ...marks };
  return { navigation: performance.timeOrigin, ...marks };
}

/** Marks a step the benchmark times inside the page (unlock, Today's data), as a User Timing
 * mark `sotay:<name>`; only the latest of each name is kept. */
export function markStep(name: string): void {
  if (typeof performance === 'undefined' || typeof performance.mark !== 'function') return;
  performance.clearMarks(`sotay:${name}`);
  performance.mark(`sotay:${name}`);
}

let reported = false;

/** The first usable screen is in the DOM: marks the next frame, and tells the app (with the
 * marks) one frame later, once it is painted. Only the first call counts. */
export function readyAfterPaint(): void {
  if (reported || typeof requestAnimationFrame === 'undefined') return;
  reported = true;
  requestAnimationFrame(() => {
    markStart('frame');
    requestAnimationFrame(() => api.markReady(startMarks()).catch(() => {}));
  });
}
