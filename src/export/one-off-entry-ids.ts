/**
 * Reply-To addresses travel in MAPI as PidTagReplyRecipientEntries: a FlatEntryList of one-off
 * EntryIDs ([MS-OXCDATA] 2.3.3 FlatEntryList, 2.2.5.1 One-Off EntryID). Pure functions.
 *
 *   FlatEntryList = u32 count, u32 size, count * (u32 cb, EntryID[cb], pad to 4 bytes)
 *   One-off       = u32 flags (0), ProviderUID 812B1FA4BEA310199D6E00DD010F5402, u16 version (0),
 *                   u16 flags (0x8000 Unicode | 0x0001 no rich info), DisplayName, AddressType,
 *                   EmailAddress (each UTF-16LE, NUL-terminated)
 */
export interface OneOffAddress {
  name?: string;
  address?: string;
  addressType?: string;
}

const ONE_OFF_PROVIDER = Buffer.from('812b1fa4bea310199d6e00dd010f5402', 'hex');
const UNICODE = 0x8000;
const NO_RICH_INFO = 0x0001;

export function encodeOneOff(a: OneOffAddress): Buffer {
  const head = Buffer.alloc(24);
  ONE_OFF_PROVIDER.copy(head, 4);
  head.writeUInt16LE(UNICODE | NO_RICH_INFO, 22);
  const str = (s: string) => Buffer.from(`${s}\0`, 'utf16le');
  return Buffer.concat([head, str(a.name ?? ''), str(a.addressType ?? 'SMTP'), str(a.address ?? '')]);
}

/** Undefined when the bytes are not a one-off EntryID (e.g. an address-book EntryID from Exchange). */
export function decodeOneOff(b: Buffer): OneOffAddress | undefined {
  if (b.length < 24 || !b.subarray(4, 20).equals(ONE_OFF_PROVIDER)) return undefined;
  const unicode = (b.readUInt16LE(22) & UNICODE) !== 0;
  const parts: string[] = [];
  let pos = 24;
  for (let i = 0; i < 3; i++) {
    if (unicode) {
      let end = pos;
      while (end + 1 < b.length && (b[end] !== 0 || b[end + 1] !== 0)) end += 2;
      if (end + 1 >= b.length) return undefined;
      parts.push(b.toString('utf16le', pos, end));
      pos = end + 2;
    } else {
      const end = b.indexOf(0, pos);
      if (end < 0) return undefined;
      parts.push(b.toString('latin1', pos, end));
      pos = end + 1;
    }
  }
  const out: OneOffAddress = { addressType: parts[1]! };
  if (parts[0]) out.name = parts[0];
  if (parts[2]) out.address = parts[2];
  return out;
}

export function encodeFlatEntryList(entries: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const cb = Buffer.alloc(4);
    cb.writeUInt32LE(e.length);
    parts.push(cb, e, Buffer.alloc((4 - (e.length % 4)) % 4));
  }
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(8);
  head.writeUInt32LE(entries.length, 0);
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body]);
}

/** The entries of a FlatEntryList; stops quietly at the first inconsistency (the rest is unreadable). */
export function decodeFlatEntryList(b: Buffer): Buffer[] {
  if (b.length < 8) return [];
  const count = b.readUInt32LE(0);
  const out: Buffer[] = [];
  let pos = 8;
  for (let i = 0; i < count && pos + 4 <= b.length; i++) {
    const cb = b.readUInt32LE(pos);
    pos += 4;
    if (cb > b.length - pos) break;
    out.push(b.subarray(pos, pos + cb));
    pos += cb + ((4 - (cb % 4)) % 4);
  }
  return out;
}
