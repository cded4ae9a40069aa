import type { Statement } from 'better-sqlite3';
import type { AttachedItem, Attachment, BodyKind, ExtendedProperty, Item, MessageProps, NewAttachment } from '../../domain/item.js';

/** An item as read by {@link selectItemRows}: its items row's columns, its `props` JSON (item_json), body and headers. */
export interface ItemRow {
  id: number;
  mailbox_id: number;
  folder_id: number;
  uid: number;
  modseq: number;
  item_class: string;
  subject: string | null;
  from_address: string | null;
  is_read: number;
  is_draft: number;
  importance: string | null;
  has_attachments: number;
  size: number;
  message_id: string | null;
  received_at: number;
  sent_at: number | null;
  created_at: number;
  modified_at: number;
  props: string;
  has_mime: number;
  /** From item_headers: the JSON of props.internetMessageHeaders (NULL when there are none or the query left them out). */
  headers: string | null;
  /** From item_bodies (NULL when the item has no body or the query left bodies out). */
  body_type: string | null;
  /** '' for a body kept inside the MIME (body_mime: where), until the store decodes it from there. */
  body_content: string | null;
  /** Where in the item's MIME a body kept there lies, and how it decodes (NULL: the content is the text). */
  body_mime: string | null;
  /** The read flag's version when a narrow write set it (see read-flags.ts); null: the props JSON has it. */
  read_version: number | null;
}

export interface AttachmentRow {
  id: number;
  item_id: number;
  kind: 'file' | 'item';
  name: string;
  content_type: string | null;
  content_id: string | null;
  content_location: string | null;
  is_inline: number;
  size: number;
  modified_at: number;
}

export interface PropRow {
  item_id: number;
  key: string;
  name: string;
  value: string | null;
  vals: string | null;
}

/** The items columns an {@link ItemRow} holds, in the order {@link readItemRows} takes them. */
const ITEM_COLUMNS =
  'i.id, i.mailbox_id, i.folder_id, i.uid, i.modseq, i.item_class, i.subject, i.from_address, i.is_read, i.is_draft, i.importance, ' +
  'i.has_attachments, i.size, i.message_id, i.received_at, i.sent_at, i.created_at, i.modified_at, j.props, i.has_mime, i.read_version';

/** An item_bodies row's reference into its item's MIME as one value (JSON of a {@link BodyInMime}), NULL for a body kept as text. */
export const BODY_IN_MIME = `CASE WHEN b.mime_start IS NULL THEN NULL ELSE json_array(b.mime_start, b.mime_end, b.quoted_printable, b.charset) END`;

/** A body kept inside its item's MIME: [start, end) of it, quoted-printable or not, in charset (null: UTF-8). */
export type BodyInMime = [start: number, end: number, quotedPrintable: number, charset: string | null];

/**
 * `SELECT ... FROM` for {@link ItemRow}s, to be run with {@link readItemRows}; `i` is the items
 * table alias. The body lives in its own table (item_bodies) so that listings never read it and a
 * flag change never rewrites it; a query for a listing leaves it out (`withBody` false: the items
 * come back without `props.body`), and the Internet message headers (item_headers) with it, which
 * no listing shows either.
 *
 * Lookups by id check the owner with `+i.mailbox_id = ?`: the unary plus keeps SQLite from
 * answering through items_by_mailbox (an index probe, then the row) when the row, found by its
 * id, says whose it is (~20% of a 100-item read).
 */
export function selectItemRows(withBody: boolean): string {
  const from = 'FROM items i JOIN item_json j ON j.item_id = i.id';
  return withBody
    ? `SELECT ${ITEM_COLUMNS}, b.type AS body_type, b.content AS body_content, h.headers, ${BODY_IN_MIME} AS body_mime ${from}
       LEFT JOIN item_bodies b ON b.item_id = i.id LEFT JOIN item_headers h ON h.item_id = i.id`
    : `SELECT ${ITEM_COLUMNS}, NULL AS body_type, NULL AS body_content, NULL AS headers, NULL AS body_mime ${from}`;
}

/**
 * Runs a {@link selectItemRows} statement in raw mode (rows as arrays) and builds each row with one
 * object literal. better-sqlite3 adds a row object's keys one at a time, and past a dozen or so
 * V8 turns such an object into a dictionary: an item row (24 columns) is then slow to build and
 * slow to read. Read this way a page of 50 rows costs about half (0.45 against 0.9 ms, with a few
 * fields read from each row five times), and every row shares one hidden class.
 */
export function readItemRows(statement: Statement, ...params: unknown[]): ItemRow[] {
  return (statement.raw(true).all(...params) as unknown[][]).map(itemRow);
}

/** The object literal's keys follow {@link ITEM_COLUMNS} and then selectItemRows' extra columns. */
function itemRow(v: unknown[]): ItemRow {
  let k = 0;
  return {
    id: v[k++] as number,
    mailbox_id: v[k++] as number,
    folder_id: v[k++] as number,
    uid: v[k++] as number,
    modseq: v[k++] as number,
    item_class: v[k++] as string,
    subject: v[k++] as string | null,
    from_address: v[k++] as string | null,
    is_read: v[k++] as number,
    is_draft: v[k++] as number,
    importance: v[k++] as string | null,
    has_attachments: v[k++] as number,
    size: v[k++] as number,
    message_id: v[k++] as string | null,
    received_at: v[k++] as number,
    sent_at: v[k++] as number | null,
    created_at: v[k++] as number,
    modified_at: v[k++] as number,
    props: v[k++] as string,
    has_mime: v[k++] as number,
    read_version: v[k++] as number | null,
    body_type: v[k++] as string | null,
    body_content: v[k++] as string | null,
    headers: v[k++] as string | null,
    body_mime: v[k++] as string | null,
  };
}

/** What `props` holds: the properties without their indexed columns' duplicates, dates as epoch ms. */
interface PropsJson {
  p: Record<string, unknown>;
  /** Field versions (AutoResolve). */
  v: Record<string, number>;
}

/** The field name the read flag's version is kept under (see applyChanges). */
export const READ_FLAG_FIELD = 'message:IsRead';

const DATE_FIELDS = ['dateTimeSent', 'dateTimeReceived'] as const;

/**
 * item_json's `props`: {@link propsToJson} without the body (item_bodies holds it) and the
 * Internet message headers (item_headers: often the largest part of a received message's
 * properties, and shown by no listing).
 */
export function rowPropsJson(props: MessageProps, fieldVersions: Record<string, number>): string {
  const { body: _body, internetMessageHeaders: _headers, ...rest } = props;
  return propsToJson(rest as MessageProps, fieldVersions);
}

/** The item_headers row's JSON, or null when there are no headers (no row then). */
export function headersJson(props: MessageProps): string | null {
  return props.internetMessageHeaders.length > 0 ? JSON.stringify(props.internetMessageHeaders) : null;
}

/** Serialises properties (extended properties excluded: they have their own table). */
export function propsToJson(props: MessageProps, fieldVersions: Record<string, number>): string {
  const { extended: _extended, ...rest } = props;
  const p: Record<string, unknown> = { ...rest };
  for (const f of DATE_FIELDS) if (props[f]) p[f] = props[f]!.getTime();
  return JSON.stringify({ p, v: fieldVersions } satisfies PropsJson);
}

export function propsFromJson(json: string, extended: ExtendedProperty[]): { props: MessageProps; fieldVersions: Record<string, number> } {
  const parsed = JSON.parse(json) as PropsJson;
  const p = parsed.p;
  for (const f of DATE_FIELDS) if (typeof p[f] === 'number') p[f] = new Date(p[f] as number);
  // The parsed object is ours: it becomes the props as it is (a copy per listed item cost ~10% of a FindItem page).
  const props = p as unknown as MessageProps;
  props.extended = extended;
  return { props, fieldVersions: parsed.v ?? {} };
}

export function toExtended(r: PropRow): ExtendedProperty {
  const prop: ExtendedProperty = { key: r.key, name: JSON.parse(r.name) as ExtendedProperty['name'] };
  if (r.value !== null) prop.value = r.value;
  if (r.vals !== null) prop.values = JSON.parse(r.vals) as string[];
  return prop;
}

export function toAttachment(r: AttachmentRow): Attachment {
  const a: Attachment = { id: r.id, kind: r.kind, name: r.name, isInline: r.is_inline === 1, size: r.size, lastModified: new Date(r.modified_at) };
  if (r.content_type !== null) a.contentType = r.content_type;
  if (r.content_id !== null) a.contentId = r.content_id;
  if (r.content_location !== null) a.contentLocation = r.content_location;
  return a;
}

export function toItem(r: ItemRow, extended: ExtendedProperty[], attachments: Attachment[]): Item {
  const { props, fieldVersions } = propsFromJson(r.props, extended);
  if (r.body_type !== null && r.body_content !== null) props.body = { type: r.body_type as BodyKind, content: r.body_content };
  // Listing reads leave the headers out (see selectItemRows).
  props.internetMessageHeaders = r.headers !== null ? (JSON.parse(r.headers) as MessageProps['internetMessageHeaders']) : [];
  // The read flag is written narrowly (read-flags.ts): the column and its version row win over the JSON.
  props.isRead = r.is_read === 1;
  if (r.read_version !== null) fieldVersions[READ_FLAG_FIELD] = r.read_version;
  return {
    id: r.id,
    mailboxId: r.mailbox_id,
    folderId: r.folder_id,
    modseq: r.modseq,
    uid: r.uid,
    props,
    fieldVersions,
    size: r.size,
    hasAttachments: r.has_attachments === 1,
    attachments,
    hasMime: r.has_mime === 1,
    dateTimeReceived: new Date(r.received_at),
    createdAt: new Date(r.created_at),
    modifiedAt: new Date(r.modified_at),
  };
}

// An item attachment's message is one JSON document (it has no id or history of its own).

interface AttachedJson {
  props: string;
  extended: ExtendedProperty[];
  attachments: Array<Omit<NewAttachment, 'content' | 'item'> & { content?: string; item?: AttachedJson }>;
}

function attachedToPlain(item: AttachedItem): AttachedJson {
  return {
    props: propsToJson(item.props, {}),
    extended: item.props.extended,
    attachments: item.attachments.map((a) =>
      a.kind === 'file' ? { ...withoutMimeSource(a), content: a.content.toString('base64') } : { ...a, item: attachedToPlain(a.item) },
    ),
  };
}

/** A reference into the MIME of the item being stored means nothing inside an attached message's JSON. */
function withoutMimeSource(a: NewAttachment & { kind: 'file' }): Omit<NewAttachment & { kind: 'file' }, 'mimeSource'> {
  const { mimeSource: _source, ...rest } = a;
  return rest;
}

function attachedFromPlain(j: AttachedJson): AttachedItem {
  return {
    props: propsFromJson(j.props, j.extended).props,
    attachments: j.attachments.map((a) =>
      a.kind === 'file'
        ? ({ ...a, content: Buffer.from(a.content ?? '', 'base64') } as NewAttachment)
        : ({ ...a, item: attachedFromPlain(a.item!) } as NewAttachment),
    ),
  };
}

export function attachedItemToJson(item: AttachedItem): string {
  return JSON.stringify(attachedToPlain(item));
}

export function attachedItemFromJson(json: string): AttachedItem {
  return attachedFromPlain(JSON.parse(json) as AttachedJson);
}

/** A stored size for an attachment: bytes for files, a JSON estimate for an attached message. */
export function attachmentSize(a: NewAttachment): number {
  return a.kind === 'file' ? a.content.length : Buffer.byteLength(attachedItemToJson(a.item));
}
