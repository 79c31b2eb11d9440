// Shortcuts over svelte-i18n for code outside the markup: translate now, and the message of a
// CommandError (see errors.ts).

import { get } from 'svelte/store';
import { _, json } from 'svelte-i18n';
import { fieldMessages, messageFor } from './errors';
import type { CommandError } from './types';

export function t(key: string, values?: Record<string, string | number>): string {
  return get(_)(key, values ? { values } : undefined);
}

export function has(key: string): boolean {
  return get(json)(key) !== undefined;
}

export function errorText(err: CommandError): string {
  return messageFor(err, (k, o) => get(_)(k, o), has);
}

export function fieldErrors(err: CommandError | null): Record<string, string> {
  return fieldMessages(err, (k, o) => get(_)(k, o), has);
}

/** Brings the first refused field into view after the form shows its messages. */
export function revealFirstError(): void {
  requestAnimationFrame(() => {
    const field = document.querySelector('.field.invalid, .notice.error');
    field?.scrollIntoView({ block: 'center' });
  });
}
