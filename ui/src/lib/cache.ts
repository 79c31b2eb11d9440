// A value read once and kept until its key changes: what a screen would otherwise ask the store
// for again on every visit. A failed read is not kept, so the next visit tries again.

export interface KeptValue<T> {
  /** The value for `key`: the kept one when the key is the same, else read again. */
  get(key: string): Promise<T>;
  /** Drops the kept value (something changed it). */
  forget(): void;
}

export function keptValue<T>(read: () => Promise<T>): KeptValue<T> {
  let kept: { key: string; value: Promise<T> } | null = null;
  return {
    get(key) {
      if (kept?.key !== key) {
        const value = read();
        const entry = { key, value };
        kept = entry;
        value.catch(() => {
          if (kept === entry) kept = null;
        });
      }
      return kept.value;
    },
    forget() {
      kept = null;
    },
  };
}
