import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Store } from '../../store/store.js';
import { EwsError } from '../errors.js';

/**
 * SyncState: an opaque token, constant in size, that the client hands back. It carries only the
 * cursor (two modseqs, see src/domain/sync.ts) and what it is bound to; an HMAC with a secret kept
 * in the store makes it tamper-proof, so a corrupt, truncated, forged or foreign state is refused
 * with ErrorInvalidSyncStateData rather than trusted.
 *
 *   byte 0       format version (1)
 *   byte 1       'I' (SyncFolderItems) or 'H' (SyncFolderHierarchy)
 *   bytes 2-17   mailbox GUID
 *   bytes 18-25  folder id (the synced folder, or the hierarchy's root)
 *   byte 26      scope (items: 0 NormalItems, 1 NormalAndAssociatedItems)
 *   bytes 27-34  known (K)      bytes 35-42  through (T)      bytes 43-50  base (B)
 *   bytes 51-66  HMAC-SHA256 of bytes 0-50, first 16 bytes
 */
export type SyncKind = 'I' | 'H';

export interface SyncBinding {
  kind: SyncKind;
  mailboxGuid: string;
  folderId: number;
  scope: number;
}

export interface SyncCursor {
  known: number;
  through: number;
  base: number;
}

const VERSION = 1;
const BODY = 51;
const MAC = 16;
const SECRET_NAME = 'sync-state-hmac';
const secrets = new WeakMap<Store, Buffer>();

async function secret(store: Store): Promise<Buffer> {
  let key = secrets.get(store);
  if (!key) secrets.set(store, (key = await store.serverSecret(SECRET_NAME)));
  return key;
}

function body(binding: SyncBinding, cursor: SyncCursor): Buffer {
  const buf = Buffer.alloc(BODY);
  buf[0] = VERSION;
  buf[1] = binding.kind.charCodeAt(0);
  Buffer.from(binding.mailboxGuid.replace(/-/g, ''), 'hex').copy(buf, 2);
  buf.writeBigUInt64BE(BigInt(binding.folderId), 18);
  buf[26] = binding.scope;
  buf.writeBigUInt64BE(BigInt(cursor.known), 27);
  buf.writeBigUInt64BE(BigInt(cursor.through), 35);
  buf.writeBigUInt64BE(BigInt(cursor.base), 43);
  return buf;
}

function mac(key: Buffer, data: Buffer): Buffer {
  return createHmac('sha256', key).update(data).digest().subarray(0, MAC);
}

export async function encodeSyncState(store: Store, binding: SyncBinding, cursor: SyncCursor): Promise<string> {
  const data = body(binding, cursor);
  return Buffer.concat([data, mac(await secret(store), data)]).toString('base64');
}

/** The cursor inside a state issued for exactly this binding; anything else is ErrorInvalidSyncStateData. */
export async function decodeSyncState(store: Store, binding: SyncBinding, state: string): Promise<SyncCursor> {
  // Made only when needed: an error captures a stack trace, and every incremental sync comes through here.
  const invalid = () => new EwsError('ErrorInvalidSyncStateData');
  if (state.length !== Math.ceil((BODY + MAC) / 3) * 4 || !/^[A-Za-z0-9+/]+={0,2}$/.test(state)) throw invalid();
  const buf = Buffer.from(state, 'base64');
  if (buf.length !== BODY + MAC) throw invalid();
  const data = buf.subarray(0, BODY);
  if (!timingSafeEqual(buf.subarray(BODY), mac(await secret(store), data))) throw invalid();
  // Signed by us: now check it was issued for this mailbox, folder, operation and scope.
  const cursor = { known: Number(data.readBigUInt64BE(27)), through: Number(data.readBigUInt64BE(35)), base: Number(data.readBigUInt64BE(43)) };
  if (!body(binding, cursor).equals(data)) throw invalid();
  return cursor;
}
