import { createHmac, randomBytes } from 'node:crypto';
import type { Account } from '../domain/mailbox.js';
import type { Store } from '../store/store.js';
import { hashPassword, verifyPassword } from './password.js';

const CACHE_TTL_MS = 5 * 60_000;
const CACHE_MAX = 10_000;

/**
 * Checks Basic credentials against the stored scrypt hashes. A successful check is remembered
 * for a few minutes under an HMAC of the credentials (never the password itself), so that
 * clients that authenticate every request do not pay scrypt each time; the entry is void as soon
 * as the stored hash changes, so `ewsd user passwd` takes effect at once.
 */
export class Authenticator {
  readonly #key = randomBytes(32);
  readonly #verified = new Map<string, { hash: string; expires: number }>();

  #dummy: Promise<string> | undefined;

  constructor(private readonly store: Store) {}

  #dummyHash(): Promise<string> {
    return (this.#dummy ??= hashPassword(randomBytes(16).toString('base64')));
  }

  /** The account for an `Authorization` header value, or undefined. */
  async authenticate(header: string | undefined): Promise<Account | undefined> {
    const creds = parseBasic(header);
    if (!creds) return undefined;
    const account = await this.store.accountByEmail(creds.user.toLowerCase());
    if (!account) {
      // Pay for a hash check anyway: answering unknown users faster would tell which addresses exist.
      await verifyPassword(creds.password, await this.#dummyHash());
      return undefined;
    }
    const cacheKey = createHmac('sha256', this.#key).update(`${account.email}\0${creds.password}`).digest('base64');
    const cached = this.#verified.get(cacheKey);
    if (cached && cached.hash === account.passwordHash && cached.expires > Date.now()) return account;
    if (!(await verifyPassword(creds.password, account.passwordHash))) return undefined;
    if (this.#verified.size >= CACHE_MAX) this.#verified.clear();
    this.#verified.set(cacheKey, { hash: account.passwordHash, expires: Date.now() + CACHE_TTL_MS });
    return account;
  }
}

export function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  const m = header && /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  // Clients send DOMAIN\user or \user (exchangelib does for NTLM-style names): the mailbox is the part after the backslash.
  const user = decoded.slice(0, colon).replace(/^[^\\]*\\/, '');
  return { user, password: decoded.slice(colon + 1) };
}
