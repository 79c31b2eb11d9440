// What the UI does once the person stops touching it: the idle lock after the configured
// minutes (the shell refuses every data command while locked, so hiding the screen is not the
// lock), and a nudge to the script collector a second after a scroll, a tap or a key.

const ACTIVITY = ['pointerdown', 'keydown', 'touchstart', 'scroll'];

/** Calls `onQuiet` once `ms()` milliseconds have passed with no touch, key or scroll on
 * `target`, counted from now and again from each later one; returns what stops it. */
export function afterQuiet(
  ms: () => number,
  onQuiet: () => void,
  target: EventTarget = window,
): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const reset = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(onQuiet, ms());
  };
  for (const e of ACTIVITY) target.addEventListener(e, reset, { passive: true });
  reset();
  return () => {
    if (timer) clearTimeout(timer);
    for (const e of ACTIVITY) target.removeEventListener(e, reset);
  };
}

/** The idle lock: `onIdle` after `minutes()` (at least one) without a touch, key or scroll. */
export function watchIdle(minutes: () => number, onIdle: () => void): () => void {
  return afterQuiet(() => Math.max(1, minutes()) * 60_000, onIdle);
}

/** How long the page must be quiet before the collector is nudged: longer than the pause
 * between two keystrokes or two flicks of a scroll, shorter than a person reading a screen. */
const NUDGE_AFTER_MS = 1000;

/** The collector nudge ([`nudgeCollector`]) a second after each touch, key or scroll. */
export function nudgeWhenQuiet(): () => void {
  return afterQuiet(() => NUDGE_AFTER_MS, nudgeCollector);
}

/** WebKit's script collector (JavaScriptCore) times its work by what the script allocates, and
 * the page's nodes are not counted: the rows a long list drew and dropped while it was scrolled
 * stay in memory, held by their dead script wrappers, until the script allocates enough again,
 * which on a screen the person is only reading may be never (29 MiB after a village of 2,000
 * households was scrolled, docs/benchmarks.md). A page cannot ask for a collection; buffers made
 * and dropped at once count as memory the collector must account for, and a burst of them starts
 * a full collection. Their pages are never written, so they take no memory (the process's peak
 * stays where it was). Where the address space is refused (a small device), nothing happens. */
export function nudgeCollector(): void {
  try {
    for (let i = 0; i < 8; i++) new ArrayBuffer(32 * 1024 * 1024);
  } catch {
    // No room for the buffers: no nudge, and nothing lost.
  }
}
