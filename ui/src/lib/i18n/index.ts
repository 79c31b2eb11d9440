// Vietnamese first, English second, through svelte-i18n (ICU message format). The dictionaries
// are bundled (no network); vi is the default and the fallback.

import { addMessages, init, locale, _ } from 'svelte-i18n';
import vi from './vi.json';
import en from './en.json';

export type Locale = 'vi' | 'en';

addMessages('vi', vi);
addMessages('en', en);
init({ fallbackLocale: 'vi', initialLocale: 'vi' });

export function setLocale(next: Locale): void {
  locale.set(next);
  document.documentElement.lang = next;
}

export { _, locale, vi, en };
