/**
 * Delegation: what a principal lets another user of this server do in their mailbox.
 * Plain data; the rules that use it live in src/ews/mailbox-access.ts.
 */

/** Distinguished folders a delegate can be given (with their subfolders). */
export const DELEGABLE_FOLDERS = ['inbox', 'drafts', 'sentitems', 'deleteditems', 'calendar', 'contacts', 'tasks', 'notes', 'journal'] as const;

export interface DelegateGrant {
  /**
   * Distinguished folder ids (see {@link DELEGABLE_FOLDERS}) the delegate may open with Editor
   * rights: read, create, change and delete items in the folder and its subfolders.
   */
  folders: string[];
  /** May send as the principal's delegate: From = principal, Sender = delegate. */
  sendOnBehalf: boolean;
}

export interface Delegation extends DelegateGrant {
  principal: string;
  delegate: string;
}
