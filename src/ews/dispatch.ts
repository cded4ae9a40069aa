import type { XmlElement } from '../soap/xml-element.js';
import { EnvelopeError, envelopeChunks, readEnvelope, writeFault } from '../soap/envelope.js';
import { NS } from '../soap/namespaces.js';
import type { XmlChunk } from '../soap/xml-writer.js';
import type { ElementEndListener } from '../soap/xml-parser.js';
import type { RequestContext } from './context.js';
import { SoapFault } from './errors.js';
import { startItemMime } from './items/early-mime.js';
import { KNOWN_OPERATIONS, OPERATIONS } from './registry.js';

/** RequestServerVersion values we answer to: ExchangeVersionType of Types.xsd, and the Exchange2019 that exchangelib sends. */
const SERVER_VERSIONS = new Set([
  'Exchange2007', 'Exchange2007_SP1', 'Exchange2009', 'Exchange2010', 'Exchange2010_SP1', 'Exchange2010_SP2', 'Exchange2012',
  'Exchange2013', 'Exchange2013_SP1', 'Exchange2015', 'Exchange2016', 'Exchange2019', 'V2015_10_05', 'V2016_01_06',
  'V2016_04_13', 'V2016_07_13', 'V2016_10_10', 'V2017_01_07', 'V2017_04_14', 'V2017_07_11', 'V2018_01_08',
]);

export interface DispatchResult {
  status: number;
  /** The response document: markup and base64 payloads in order (see XmlWriter.chunks()). */
  xml: string | readonly XmlChunk[];
  operation: string | undefined;
}

/**
 * Work that starts on a request's elements while the rest of it is still being read (the
 * request reader's onElementEnd): today, parsing CreateItem's MIME (items/early-mime.ts).
 */
export const onRequestElementEnd: ElementEndListener = startItemMime;

/** Runs the operation a parsed request envelope asks for and renders the whole response document. */
export async function dispatch(root: XmlElement, ctx: RequestContext): Promise<DispatchResult> {
  let operation: string | undefined;
  try {
    const envelope = readEnvelopeOrFault(root);
    operation = envelope.operation.name;
    if (envelope.requestedVersion !== undefined && !SERVER_VERSIONS.has(envelope.requestedVersion)) {
      throw new SoapFault('ErrorInvalidServerVersion', 'The specified server version is invalid.');
    }
    const op = envelope.operation.ns === NS.messages ? OPERATIONS.get(operation) : undefined;
    if (!op) throw unknownOperation(envelope.operation);
    return { status: 200, xml: envelopeChunks((await op.handle(envelope.operation, ctx)).chunks()), operation };
  } catch (err) {
    if (err instanceof SoapFault) return { status: err.detail.httpStatus ?? 500, xml: faultXml(err), operation };
    ctx.log.error({ err, requestId: ctx.requestId, operation }, 'request failed with an internal error');
    return { status: 500, xml: faultXml(internalError(ctx.requestId)), operation };
  }
}

/** The fault for a failure of ours; the request id lets an operator find the log line. */
export function internalError(requestId: string): SoapFault {
  return new SoapFault('ErrorInternalServerError', 'An internal server error occurred. The operation failed.', { values: [['RequestId', requestId]] });
}

export function faultXml(f: SoapFault): string {
  return writeFault({ code: f.code, message: f.message, ...f.detail });
}

function readEnvelopeOrFault(root: XmlElement) {
  try {
    return readEnvelope(root);
  } catch (err) {
    if (err instanceof EnvelopeError) throw SoapFault.schema(err.message);
    throw err;
  }
}

function unknownOperation(el: XmlElement): SoapFault {
  if (el.ns === NS.messages && KNOWN_OPERATIONS.has(el.name)) {
    return new SoapFault('ErrorInvalidOperation', `The operation '${el.name}' is not implemented by this server yet.`);
  }
  return SoapFault.schema(`The element '${el.name}' in namespace '${el.ns}' is not an EWS operation.`, el.line);
}
