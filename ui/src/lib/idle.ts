// The idle lock: after the configured minutes without a touch or a key, ask the shell to lock
// (the shell refuses every data command while locked, so hiding the screen is not the lock).

export function watchIdle(minutes: () => number, onIdle: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const reset = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(onIdle, Math.max(1, minutes()) * 60_000);
  };
  const events = ['pointerdown', 'keydown', 'touchstart', 'scroll'];
  for (const e of events) window.addEventListener(e, reset, { passive: true });
  reset();
  return () => {
    if (timer) clearTimeout(timer);
    for (const e of events) window.removeEventListener(e, reset);
  };
}
