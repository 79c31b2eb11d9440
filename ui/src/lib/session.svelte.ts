// What the whole UI shares: the app's status (enrolled, user, role, lock, language) and the sync
// status line, kept current from the `app://status` and `sync://status` events.

import { onMount } from 'svelte';
import { api, onAppStatus, onSyncStatus } from './api';
import { setLocale } from './i18n';
import { markStart } from './startup';
import type { AppStatus, CommandError, SyncStatus } from './types';

export const session = $state<{ app: AppStatus | null; sync: SyncStatus | null }>({
  app: null,
  sync: null,
});

export function setApp(status: AppStatus): void {
  session.app = status;
  setLocale(status.language);
}

/** The income forms start from: today's floor by the policy in use, grouped (`1.500.000`). */
export function startingIncome(): string {
  const floor = session.app?.income_floor ?? 1_500_000;
  return new Intl.NumberFormat('vi-VN').format(floor);
}

export function can(action: 'sign_up' | 'handle_money'): boolean {
  return session.app?.actions.includes(action) ?? false;
}

export async function startSession(): Promise<void> {
  setApp(await api.appStatus());
  markStart('status');
  await onAppStatus(setApp);
  await onSyncStatus((s) => {
    session.sync = s;
  });
  session.sync = await api.syncStatus();
}

export async function refreshApp(): Promise<void> {
  setApp(await api.appStatus());
}

/** Loads a screen when it opens and again whenever a sync brought records (its revision moved
 *  on), so what it shows is never older than the last sync. Call it while the screen is made. */
export function loadNowAndAfterSync(load: () => Promise<void>): void {
  onMount(load);
  $effect(() => {
    // Not while locked (the screen stays open under the lock and every data command is refused
    // then): what a sync brought meanwhile is loaded once the PIN has opened the lock.
    if (session.sync?.revision && !session.app?.locked) load();
  });
}

/** What a screen shows, fetched when it opens and again after each sync that brought records;
 *  a failed fetch is kept as `error`. Make it while the screen is made. */
export class SyncedPage<T> {
  /** The last fetched page, `null` until one arrives. */
  page = $state.raw<T | null>(null);
  /** The last failure. */
  error = $state<CommandError | null>(null);

  constructor(private fetch: () => Promise<T>) {
    loadNowAndAfterSync(() => this.reload());
  }

  /** Fetches the page again now (after the screen itself changed what it shows). */
  async reload(): Promise<void> {
    try {
      this.page = await this.fetch();
      this.error = null;
    } catch (e) {
      this.error = e as CommandError;
    }
  }
}
