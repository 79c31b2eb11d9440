// The one typed wrapper over Tauri's `invoke` and events. No screen calls `invoke` directly:
// every command has one function here, and every failure arrives as a `CommandError`.

import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type * as T from './types';

/** Turns whatever a command threw into a CommandError (a transport failure included). */
export function asCommandError(err: unknown): T.CommandError {
  if (err && typeof err === 'object' && 'code' in err && 'message' in err) {
    return err as T.CommandError;
  }
  return { code: 'internal', message: String(err) };
}

async function call<R>(command: string, args?: Record<string, unknown>): Promise<R> {
  try {
    return await invoke<R>(command, args);
  } catch (err) {
    throw asCommandError(err);
  }
}

export const api = {
  appStatus: () => call<T.AppStatus>('app_status'),
  enroll: (officeUrl: string, code: string) =>
    call<T.AppStatus>('enroll', { input: { office_url: officeUrl, code } }),
  markReady: (marks: Record<string, number>) => call<number>('mark_ready', { marks }),
  today: () => call<T.TodayDto>('today'),
  setFollowUpDone: (followUpId: T.Uuid, done: boolean) => call<null>('set_follow_up_done', { followUpId, done }),
  villages: () => call<T.VillageDto[]>('villages'),
  villageHouseholds: (villageId: T.Uuid, after: T.HouseholdCursor | null, limit: number, filter: T.HouseholdFilter = 'all') =>
    call<T.VillageHouseholds>('village_households', { villageId, after, limit, filter }),
  search: (query: string) => call<T.SearchHit[]>('search', { query }),
  householdPage: (householdId: T.Uuid) => call<T.HouseholdPage>('household_page', { householdId }),
  saveHousehold: (input: T.HouseholdInput) => call<T.Uuid>('save_household', { input }),
  personPage: (personId: T.Uuid) => call<T.PersonPage>('person_page', { personId }),
  savePerson: (input: T.PersonInput) => call<T.Uuid>('save_person', { input }),
  readIdCardQr: (text: string) => call<T.IdCardFill>('read_id_card_qr', { text }),
  logVisit: (input: T.VisitInput) => call<T.VisitSaved>('log_visit', { input }),
  quote: (input: T.QuoteInput) => call<T.QuoteDto>('quote', { input }),
  quoteDefaults: (personId: T.Uuid) => call<T.QuoteDefaults>('quote_defaults', { personId }),
  signUp: (input: T.SignUpInput) =>
    call<{ enrollment: T.Enrollment; quote: T.Quote }>('sign_up', { input }),
  saveDraft: (form: string, data: string) => call<null>('save_draft', { form, data }),
  loadDraft: (form: string) => call<string | null>('load_draft', { form }),
  discardDraft: (form: string) => call<null>('discard_draft', { form }),
  resubmitSignUp: (enrollmentId: T.Uuid) => call<T.Enrollment>('resubmit_sign_up', { enrollmentId }),
  paymentDraft: (enrollmentId: T.Uuid) => call<T.PaymentDraft>('payment_draft', { enrollmentId }),
  signUpTerms: (enrollmentId: T.Uuid) => call<T.SignUpTerms>('sign_up_terms', { enrollmentId }),
  changeSignUpTerms: (enrollmentId: T.Uuid, income: string, mode: T.PaymentMode) =>
    call<T.PaymentDraft>('change_sign_up_terms', { input: { enrollment_id: enrollmentId, income, mode } }),
  collectPayment: (enrollmentId: T.Uuid, receiptNumber: string, method: T.PaymentMethod) =>
    call<T.Uuid>('collect_payment', {
      input: { enrollment_id: enrollmentId, receipt_number: receiptNumber, method },
    }),
  receipt: (paymentId: T.Uuid) => call<T.ReceiptDto>('receipt', { paymentId }),
  cashOnHand: () => call<T.CashDto>('cash_on_hand'),
  remitCash: (note: string) => call<T.CashDto>('remit_cash', { note }),
  meetings: () => call<T.MeetingDto[]>('meetings'),
  saveMeeting: (input: T.MeetingInput) => call<T.Uuid>('save_meeting', { input }),
  targets: () => call<T.QuotaItem[]>('targets'),
  syncStatus: () => call<T.SyncStatus>('sync_status'),
  syncScreen: () => call<T.SyncScreen>('sync_screen'),
  syncNow: () => call<T.SyncScreen>('sync_now'),
  settings: () => call<T.AppStatus>('settings'),
  setLanguage: (language: T.Language) => call<T.AppStatus>('set_language', { language }),
  setOfficeUrl: (officeUrl: string) => call<T.AppStatus>('set_office_url', { officeUrl }),
  setIdleLock: (minutes: number) => call<T.AppStatus>('set_idle_lock', { minutes }),
  setPin: (current: string, pin: string, confirm: string) =>
    call<T.AppStatus>('set_pin', { input: { current, pin, confirm } }),
  lock: () => call<T.AppStatus>('lock'),
  unlock: (pin: string) => call<T.AppStatus>('unlock', { pin }),
  startOver: () => call<T.AppStatus>('start_over', {}),
};

/** Sync state changes and progress (`sync://status`). */
export function onSyncStatus(handler: (status: T.SyncStatus) => void): Promise<UnlistenFn> {
  return listen<T.SyncStatus>('sync://status', (event) => handler(event.payload));
}

/** The app's status changed outside a command (enrolled at start). */
export function onAppStatus(handler: (status: T.AppStatus) => void): Promise<UnlistenFn> {
  return listen<T.AppStatus>('app://status', (event) => handler(event.payload));
}
