/**
 * The message item as ewsd keeps it. Plain data: no XML, no SQL. Every item is a message-shaped
 * record (ItemClass tells IPM.Note from anything else a client chose to store).
 */

export interface EmailAddress {
  name?: string;
  address?: string;
  routingType?: string;
  mailboxType?: string;
}

export type BodyKind = 'HTML' | 'Text';

export interface ItemBody {
  type: BodyKind;
  content: string;
}

export type Importance = 'Low' | 'Normal' | 'High';
export type Sensitivity = 'Normal' | 'Personal' | 'Private' | 'Confidential';

export interface InternetHeader {
  name: string;
  value: string;
}

/**
 * The name of a MAPI property as a client gave it. `key` is the identity (independent of type
 * and spelling); the rest is echoed back exactly.
 */
export interface ExtendedPropertyName {
  propertyTag?: number;
  distinguishedPropertySetId?: string;
  propertySetId?: string;
  propertyName?: string;
  propertyId?: number;
  propertyType: string;
}

/** A stored extended property: a single `value` or, for `...Array` types, `values`. */
export interface ExtendedProperty {
  key: string;
  name: ExtendedPropertyName;
  value?: string;
  values?: string[];
}

/** The properties a client can write (CreateItem, SetItemField, ...). */
export interface MessageProps {
  itemClass: string;
  subject?: string;
  body?: ItemBody;
  sensitivity?: Sensitivity;
  importance?: Importance;
  categories: string[];
  inReplyTo?: string;
  isRead: boolean;
  isDraft: boolean;
  isSubmitted: boolean;
  isFromMe: boolean;
  isReadReceiptRequested?: boolean;
  isDeliveryReceiptRequested?: boolean;
  isResponseRequested?: boolean;
  internetMessageHeaders: InternetHeader[];
  dateTimeSent?: Date;
  /** When it reached the mailbox; an IMAP APPEND (0x0e06) or a MIME Date may set it. */
  dateTimeReceived?: Date;
  from?: EmailAddress;
  sender?: EmailAddress;
  replyTo: EmailAddress[];
  to: EmailAddress[];
  cc: EmailAddress[];
  bcc: EmailAddress[];
  internetMessageId?: string;
  references?: string;
  conversationTopic?: string;
  /** base64, as on the wire. */
  conversationIndex?: string;
  extended: ExtendedProperty[];
}

/** An attachment as given on creation. */
export type NewAttachment =
  | {
      kind: 'file';
      name: string;
      contentType: string;
      contentId?: string;
      contentLocation?: string;
      isInline: boolean;
      content: Buffer;
      /**
       * From a parse of MIME: the content is the base64 decoding of the bytes [start, end) of
       * `mime`. When `mime` is the item's own `NewItem.mime` (the same Buffer, not a copy or an
       * edited version), the store may refer to those bytes instead of keeping a second copy.
       */
      mimeSource?: { mime: Buffer; start: number; end: number };
      /** Kept from an upload (ExportItems data); otherwise the time of the write. */
      lastModified?: Date;
    }
  | {
      kind: 'item';
      name: string;
      contentType?: string;
      contentId?: string;
      isInline: boolean;
      item: AttachedItem;
      lastModified?: Date;
    };

/** A message held inside an item attachment (no id, folder or history of its own). */
export interface AttachedItem {
  props: MessageProps;
  attachments: NewAttachment[];
}

/** A stored attachment's metadata (bytes are fetched separately). */
export interface Attachment {
  id: number;
  kind: 'file' | 'item';
  name: string;
  contentType?: string;
  contentId?: string;
  contentLocation?: string;
  isInline: boolean;
  size: number;
  lastModified: Date;
}

export interface NewItem {
  props: MessageProps;
  attachments: NewAttachment[];
  /** The MIME the item was created from; kept to be returned byte for byte. */
  mime?: Buffer;
  /**
   * Where `props.body` lies in `mime` and how it decodes (a parse's MimeBodySource), when the
   * parse found it in one range: the store may keep this reference instead of the text, which it
   * then need not even read. Taken only for the very Buffer in `mime` and the very object in
   * `props.body`, one whose text cannot be changed (bodyInMime), so a body given or edited since
   * the parse, or MIME rewritten, is never mistaken for it.
   */
  bodySource?: { mime: Buffer; body: ItemBody; start: number; end: number; quotedPrintable: boolean; charset?: string };
  /** Uploads (UploadItems, `ewsd import`) keep the exported item's history; otherwise the time of the write. */
  createdAt?: Date;
  modifiedAt?: Date;
  /** Uploads keep the size the exporting server reported (so a copy reports the same size); otherwise computed. */
  size?: number;
}

export interface Item {
  id: number;
  mailboxId: number;
  folderId: number;
  /** The mailbox modification sequence of the last write; the ChangeKey is built from it. */
  modseq: number;
  /** Per-folder IMAP UID (PR_INTERNET_ARTICLE_NUMBER). */
  uid: number;
  props: MessageProps;
  /** For each written property (by field name), the modseq of its last change: AutoResolve compares against it. */
  fieldVersions: Record<string, number>;
  size: number;
  hasAttachments: boolean;
  attachments: Attachment[];
  hasMime: boolean;
  dateTimeReceived: Date;
  createdAt: Date;
  modifiedAt: Date;
}

export function emptyMessageProps(itemClass = 'IPM.Note'): MessageProps {
  return {
    itemClass,
    categories: [],
    isRead: true,
    isDraft: true,
    isSubmitted: false,
    isFromMe: false,
    internetMessageHeaders: [],
    replyTo: [],
    to: [],
    cc: [],
    bcc: [],
    extended: [],
  };
}

/** A message counts as having attachments when at least one is not inline (Exchange's rule). */
export function hasVisibleAttachments(attachments: ReadonlyArray<{ isInline: boolean }>): boolean {
  return attachments.some((a) => !a.isInline);
}
