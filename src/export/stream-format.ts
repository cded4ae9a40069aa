/**
 * Shared facts of the FastTransfer property stream: the error type, markers, meta-tags and the
 * property types the stream carries. See property-stream.ts for the encoding.
 */
import { PropType } from './mapi-props.js';

export type ItemStreamErrorCode = 'truncated' | 'corrupt' | 'foreign' | 'unsupported' | 'too-large' | 'too-deep';

/** Every decoding failure: a precise message, a machine-readable code and the byte offset. */
export class ItemStreamError extends Error {
  override readonly name = 'ItemStreamError';
  constructor(
    readonly code: ItemStreamErrorCode,
    /** The message without the position. */
    readonly detail: string,
    /** Byte offset of the problem in the data (or in the message content, see the message). */
    readonly offset?: number,
    where = 'at byte',
  ) {
    super(offset === undefined ? detail : `${detail} (${where} ${offset})`);
  }
}

/** Markers ([MS-OXCFXICS] 2.2.4.1.4): tags that carry no value. */
export const Marker = {
  NewAttach: 0x40000003,
  StartEmbed: 0x40010003,
  EndEmbed: 0x40020003,
  StartRecip: 0x40030003,
  EndToRecip: 0x40040003,
  StartTopFld: 0x40090003,
  StartSubFld: 0x400a0003,
  EndFolder: 0x400b0003,
  StartMessage: 0x400c0003,
  EndMessage: 0x400d0003,
  EndAttach: 0x400e0003,
  StartFAIMsg: 0x40100003,
  IncrSyncChg: 0x40120003,
  IncrSyncDel: 0x40130003,
  IncrSyncEnd: 0x40140003,
  IncrSyncMessage: 0x40150003,
  FXErrorInfo: 0x40180003,
  IncrSyncRead: 0x402f0003,
  IncrSyncStateBegin: 0x403a0003,
  IncrSyncStateEnd: 0x403b0003,
  IncrSyncProgressMode: 0x4074000b,
  IncrSyncProgressPerMsg: 0x4075000b,
  IncrSyncGroupInfo: 0x407b0102,
  IncrSyncChgPartial: 0x407d0003,
} as const;

export const MARKERS: ReadonlySet<number> = new Set(Object.values(Marker));
const MARKER_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(Marker).map(([k, v]) => [v, k]));

/** Meta-properties ([MS-OXCFXICS] 2.2.4.1.5): tags with a value that are stream instructions, not item data. */
export const MetaTag = {
  FXDelProp: 0x40160003, // value: the tag of a subobject list to clear (PidTagMessageRecipients/Attachments)
  EcWarning: 0x400f0003,
  DnPrefix: 0x4008001e, // legacy-DN prefix; Exchange writes it as a cp 1252 string (0x400884E4)
} as const;

export function isMarker(tag: number): boolean {
  return MARKERS.has(tag);
}

export function tagName(tag: number): string {
  const m = MARKER_NAMES.get(tag);
  return m ? `${m} (0x${hex8(tag)})` : `0x${hex8(tag)}`;
}

export const hex8 = (n: number): string => (n >>> 0).toString(16).toUpperCase().padStart(8, '0');
export const hex4 = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');

/** Byte size of each fixed-size single type in this stream. */
const FIXED_SIZE: ReadonlyMap<number, number> = new Map([
  [PropType.Integer16, 2],
  [PropType.Integer32, 4],
  [PropType.Floating32, 4],
  [PropType.Floating64, 8],
  [PropType.Currency, 8],
  [PropType.FloatingTime, 8],
  [PropType.ErrorCode, 4],
  [PropType.Boolean, 2],
  [PropType.Integer64, 8],
  [PropType.Time, 8],
  [PropType.Guid, 16],
]);

const BYTES_TYPES: ReadonlySet<number> = new Set([PropType.Binary, PropType.Object, PropType.ServerId, PropType.Restriction, PropType.RuleAction]);

/** Multi-valued types this stream may carry. */
const MV_TYPES: ReadonlySet<number> = new Set([
  PropType.MultipleInteger16, PropType.MultipleInteger32, PropType.MultipleFloating32, PropType.MultipleFloating64,
  PropType.MultipleCurrency, PropType.MultipleFloatingTime, PropType.MultipleInteger64, PropType.MultipleString8,
  PropType.MultipleString, PropType.MultipleTime, PropType.MultipleGuid, PropType.MultipleBinary,
]);

export function isKnownType(type: number): boolean {
  return (type & 0x8000) !== 0 || FIXED_SIZE.has(type) || BYTES_TYPES.has(type) || MV_TYPES.has(type)
    || type === PropType.String || type === PropType.String8;
}
