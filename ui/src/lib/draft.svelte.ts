// A form's draft: what is typed is kept on the phone a moment after each change (in the
// encrypted database, beside the records; it never syncs), so it survives the app being killed
// (phones end apps left in the background, a call takes the screen, the battery dies). Opening
// the form again brings it back with a note and a way to start over; saving forgets it.

import { onDestroy } from 'svelte';
import { api } from './api';

/** How long after the last change a draft is written. */
export const DRAFT_DELAY_MS = 400;

export class Draft<T> {
  /** The form was filled from a kept draft. */
  restored = $state(false);
  private timer: ReturnType<typeof setTimeout> | null = null;
  private pending: string | null = null;
  private last = '';
  private opened = false;

  /** `key` names the form and what it is about (`household:new:<village>`, `person:<id>`). */
  constructor(private readonly key: () => string) {}

  /** Called in a component's script: from [`Draft.open`] on, every change of `read()` (a
   *  snapshot of the form) is kept; the last change is written when the screen closes. */
  watch(read: () => T): void {
    $effect(() => {
      const value = read();
      if (this.opened) this.keep(value);
    });
    onDestroy(() => this.flush());
  }

  /** The form is ready as `initial` (empty, or the record loaded): a kept draft goes to
   *  `fill`, and changes are kept from now on. */
  async open(initial: T, fill: (kept: T) => void): Promise<void> {
    this.start(initial);
    const kept = await this.restore();
    if (kept) fill(kept);
    this.opened = true;
  }

  /** Stops keeping changes (the form closed without leaving its screen). */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
    this.opened = false;
  }

  /** The draft kept for this form, when there is one: the caller fills the form with it. */
  async restore(): Promise<T | null> {
    try {
      const text = await api.loadDraft(this.key());
      if (!text) return null;
      const value = JSON.parse(text) as T;
      this.last = text;
      this.restored = true;
      return value;
    } catch {
      return null;
    }
  }

  /** The form as it stands when it opens (empty, or the record loaded): nothing to keep yet. */
  start(value: T): void {
    this.last = JSON.stringify(value);
  }

  /** Call on every change: the form is kept a moment after the last one. */
  keep(value: T): void {
    const text = JSON.stringify(value);
    if (text === this.last && this.pending === null) return;
    this.pending = text;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), DRAFT_DELAY_MS);
  }

  /** Writes a change not written yet (the screen is closing). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const text = this.pending;
    this.pending = null;
    if (text === null || text === this.last) return;
    this.last = text;
    // A draft that cannot be written (locked, storage full) leaves the form as typed.
    api.saveDraft(this.key(), text).catch(() => {});
  }

  /** Forgets the draft: the form was saved, or the person starts over. */
  async discard(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
    this.restored = false;
    await api.discardDraft(this.key()).catch(() => {});
  }
}
