/**
 * The message as MIME sees it: what parsing an RFC 5322 message yields and what composing one
 * needs. Items map to and from this shape; nothing here knows EWS or SQL.
 */
export interface MimeAddress {
  name?: string;
  address: string;
}

export interface MimeAttachment {
  filename?: string;
  contentType: string;
  /** Without angle brackets. */
  contentId?: string;
  /** Content-Disposition inline (or a related part referenced by cid:). */
  inline: boolean;
  content: Buffer;
  /**
   * Parse output only: the content is the base64 decoding of exactly these bytes [start, end) of
   * the parsed message (a base64 part decoded natively), so a store may keep a reference to it.
   */
  source?: { start: number; end: number };
}

/**
 * Where a parsed message's body lies in the message's bytes, and how it was decoded: the body is
 * bodyFromMime(bytes, source), so a store may keep this reference instead of a copy of the text.
 */
export interface MimeBodySource {
  /** Which body it is: `html`, or `text` (a message without HTML). */
  type: 'html' | 'text';
  start: number;
  end: number;
  quotedPrintable: boolean;
  charset?: string;
}

export interface MimeHeader {
  /** As written in the message (case kept). */
  name: string;
  /** Unfolded, RFC 2047 words decoded. */
  value: string;
}

export interface MimeMessage {
  subject?: string;
  from?: MimeAddress;
  sender?: MimeAddress;
  replyTo: MimeAddress[];
  to: MimeAddress[];
  cc: MimeAddress[];
  bcc: MimeAddress[];
  date?: Date;
  /** With angle brackets, as in the header. */
  messageId?: string;
  inReplyTo?: string;
  references?: string;
  text?: string;
  html?: string;
  /**
   * Parse output only: where the body (`html`, or with none `text`) lies in the parsed bytes, when
   * it is the decoding of one range of them. With ParseOptions.bodyInPlace that body is not in
   * `html` or `text`: bodyFromMime(bytes, bodySource) gives it. Never set for a body that decodes
   * to nothing.
   */
  bodySource?: MimeBodySource;
  importance?: 'Low' | 'Normal' | 'High';
  sensitivity?: 'Normal' | 'Personal' | 'Private' | 'Confidential';
  readReceiptRequested?: boolean;
  deliveryReceiptRequested?: boolean;
  /** Every top-level header, in order (parse output); extra headers to add (compose input). */
  headers: MimeHeader[];
  /** File attachments; an attached message (message/rfc822) is an attachment of that type whose content is the raw message. */
  attachments: MimeAttachment[];
}

export interface ComposeOptions {
  /** Bcc belongs in a saved draft's MIME but never in the headers of a message sent out. */
  includeBcc: boolean;
}
