// Error code → message. The UI decides by `code`, never by matching the text: each code the
// Rust side can send has a message in i18n (`errors.<code>`), filled with the error's `params`.
// A code this build does not know shows the library's own Vietnamese message.

import type { CommandError } from './types';

type Translate = (key: string, options?: { values?: Record<string, string | number> }) => string;

/** The i18n key of a code. */
export function errorKey(code: string): string {
  return `errors.${code}`;
}

/** The message to show for `err`, in the current language. */
export function messageFor(err: CommandError, t: Translate, has: (key: string) => boolean): string {
  const key = errorKey(err.code);
  if (has(key)) {
    const text = t(key, { values: { message: err.message, ...(err.params ?? {}) } });
    // A template whose numbers did not come with this error (the same code raised by a check
    // that words its own message) gives way to that message rather than show "{floor}".
    if (!/\{[a-z_]+\}/.test(text) || !err.message) return text;
  }
  return err.message || t('errors.internal');
}

/** Messages per field, for a form: the first error of each field wins. */
export function fieldMessages(
  err: CommandError | null,
  t: Translate,
  has: (key: string) => boolean,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (!err) return out;
  const errors = err.fields && err.fields.length > 0 ? err.fields : err.field ? [err] : [];
  for (const e of errors) {
    const field = 'field' in e && e.field ? e.field : '';
    if (field && !(field in out)) {
      out[field] = messageFor({ code: e.code, message: e.message, params: err.params }, t, has);
    }
  }
  return out;
}
