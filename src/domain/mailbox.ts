/** A user's mailbox; a user and their mailbox are one account. */
export interface Mailbox {
  id: number;
  /** Stable identity carried inside every item and folder id. */
  guid: string;
  /** Primary SMTP address, stored lower-case. */
  email: string;
  displayName: string;
}

export interface Account extends Mailbox {
  passwordHash: string;
  createdAt: Date;
}

const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** An SMTP address as RFC 5321 allows it for a mailbox we host (no quoted local parts). */
export function isValidEmail(address: string): boolean {
  return address.length <= 254 && EMAIL.test(address) && address.split('@')[0]!.length <= 64;
}
