// ConvertId: https://learn.microsoft.com/exchange/client-developer/web-service-reference/convertid
import type { XmlElement } from '../../soap/xml-element.js';
import { NS } from '../../soap/namespaces.js';
import type { Operation } from '../operation.js';
import { EwsError, SoapFault } from '../errors.js';
import { batchResponse } from '../response.js';
import { decodeId, type IdKind } from '../ids.js';
import { openMailboxByGuid } from '../mailbox-access.js';

/**
 * Every format is the same binary id (see ids.ts) in a different spelling: base64 for EwsId,
 * EwsLegacyId, EntryId and StoreId, upper-case hex for HexEntryId, base64url for OwaId. So ids
 * convert losslessly in every direction. The answer names the mailbox the id belongs to: DavMail
 * sends a made-up Mailbox and takes the one we answer as the user's address.
 */
const FORMATS = new Set(['EwsId', 'EwsLegacyId', 'EntryId', 'HexEntryId', 'StoreId', 'OwaId']);
const SOURCE_KINDS = new Set(['AlternateId', 'AlternatePublicFolderId', 'AlternatePublicFolderItemId']);
const KINDS: ReadonlySet<string> = new Set<IdKind>(['F', 'I', 'A']);
const HEADER = 18;

export const convertId: Operation = {
  name: 'ConvertId',
  async handle(request, ctx) {
    const destination = request.attr('DestinationFormat');
    if (!destination || !FORMATS.has(destination)) throw SoapFault.schema(`The value '${destination ?? ''}' is not a valid DestinationFormat.`, request.line);
    const sources = request.child('SourceIds')?.children.filter((c) => c.isEws) ?? [];
    if (sources.length === 0) throw SoapFault.schema("The element 'SourceIds' must contain at least one id.", request.line);
    for (const s of sources) if (!SOURCE_KINDS.has(s.name)) throw SoapFault.schema(`The element '${s.name}' is not an alternate id.`, s.line);

    return batchResponse({
      op: 'ConvertId',
      items: sources,
      ctx,
      async handle(el, w) {
        // Public folders do not exist here, so their ids can never be ours.
        if (el.name !== 'AlternateId') throw new EwsError('ErrorInvalidIdMalformed');
        const binary = readId(el);
        const decoded = decodeId(binary.toString('base64'), String.fromCharCode(binary[1]!) as IdKind, (binary.length - HEADER) / 8);
        const mailbox = await openMailboxByGuid(ctx, decoded.mailboxGuid);
        w.empty('m:AlternateId', {
          'xmlns:xsi': NS.xsi,
          'xsi:type': 't:AlternateIdType',
          Format: destination,
          Id: writeId(binary, destination),
          Mailbox: mailbox.email,
        });
      },
    });
  },
};

/** The binary id an AlternateId carries, or ErrorInvalidIdMalformed (exchangelib probes with `DUMMY`). */
function readId(el: XmlElement): Buffer {
  const format = el.attr('Format');
  if (!format || !FORMATS.has(format)) throw SoapFault.schema(`The value '${format ?? ''}' is not a valid Format.`, el.line);
  const id = (el.attr('Id') ?? '').trim();
  if (id === '') throw new EwsError('ErrorInvalidIdEmpty');
  let binary: Buffer;
  if (format === 'HexEntryId') {
    if (!/^(?:[0-9a-f]{2})+$/i.test(id)) throw new EwsError('ErrorInvalidIdMalformed');
    binary = Buffer.from(id, 'hex');
  } else if (format === 'OwaId') {
    if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new EwsError('ErrorInvalidIdMalformed');
    binary = Buffer.from(id, 'base64url');
  } else {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(id) || id.length % 4 !== 0) throw new EwsError('ErrorInvalidIdMalformed');
    binary = Buffer.from(id, 'base64');
  }
  if (binary.length < HEADER + 8 || (binary.length - HEADER) % 8 !== 0 || !KINDS.has(String.fromCharCode(binary[1]!))) {
    throw new EwsError('ErrorInvalidIdMalformed');
  }
  return binary;
}

function writeId(binary: Buffer, format: string): string {
  if (format === 'HexEntryId') return binary.toString('hex').toUpperCase();
  if (format === 'OwaId') return binary.toString('base64url');
  return binary.toString('base64');
}
