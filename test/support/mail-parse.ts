import PostalMime from 'postal-mime';

export interface ParsedReport {
  contentType: string;
  subject: string;
  from: string;
  text: string;
  /** The message/delivery-status part. */
  status: string;
  /** The message/rfc822-headers part. */
  headers: string;
}

/** Reads a delivery report the way a mail client would (postal-mime), for assertions. */
export async function simpleParser(raw: Buffer): Promise<ParsedReport> {
  const mail = await PostalMime.parse(raw, { attachmentEncoding: 'utf8' });
  const part = (type: string) => String(mail.attachments.find((a) => a.mimeType === type)?.content ?? '');
  return {
    contentType: mail.headers.find((h) => h.key === 'content-type')?.value ?? '',
    subject: mail.subject ?? '',
    from: mail.from?.address ?? '',
    text: mail.text ?? '',
    status: part('message/delivery-status'),
    headers: part('message/rfc822-headers'),
  };
}
