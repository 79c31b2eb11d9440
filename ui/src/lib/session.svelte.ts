// What the whole UI shares: the app's status (enrolled, user, role, lock, language) and the sync
// status line, kept current from the `app://status` and `sync://status` events.

import { api, onAppStatus, onSyncStatus } from './api';
import { setLocale } from './i18n';
import { markStart } from './startup';
import type { AppStatus, SyncStatus } from './types';

export const session = $state<{ app: AppStatus | null; sync: SyncStatus | null }>({
  app: null,
  sync: null,
});

export function setApp(status: AppStatus): void {
  session.app = status;
  setLocale(status.language);
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
