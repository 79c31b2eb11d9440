// One screen's form state: the last refusal with its message for each field, whether a save is
// running, and the one way screens load and forms save, so that every screen reports a refusal
// the same way (next to the field, the first one scrolled into view).

import { fieldErrors, revealFirstError } from './messages';
import type { CommandError } from './types';

export class FormState {
  /** The last refusal or failure, until a save succeeds. */
  error = $state<CommandError | null>(null);
  /** A save is running (the submit button is disabled meanwhile). */
  busy = $state(false);
  /** The refusal's message for each field it names. */
  readonly errors = $derived(fieldErrors(this.error));

  /** Runs what a screen loads; a failure becomes the screen's error. */
  async load(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (e) {
      this.error = e as CommandError;
    }
  }

  /** A form's `onsubmit`: stops the browser's submit, then saves with `work`, one save at a
   *  time; a refusal shows next to its fields, a success clears it. */
  submit(work: () => Promise<void>): (event: Event) => Promise<void> {
    return async (event) => {
      event.preventDefault();
      this.busy = true;
      try {
        await work();
        this.error = null;
      } catch (e) {
        this.error = e as CommandError;
        revealFirstError();
      } finally {
        this.busy = false;
      }
    };
  }
}
