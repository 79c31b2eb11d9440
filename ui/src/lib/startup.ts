// Start-up marks for the start benchmark: when the page began loading (`performance.timeOrigin`),
// when the UI's script ran, when the first command answered, when Today's data arrived. Each is
// wall-clock ms since the epoch, so the app can line them up with its own marks and the moment
// the process was spawned; `mark_ready` hands them over once Today is drawn.

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
