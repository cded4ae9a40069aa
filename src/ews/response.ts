import { NS } from '../soap/namespaces.js';
import { XmlWriter } from '../soap/xml-writer.js';
import type { RequestContext } from './context.js';
import { EwsError } from './errors.js';

export interface Batch<T> {
  /** The operation name, e.g. `GetFolder`: elements are `m:GetFolderResponse` / `m:GetFolderResponseMessage`. */
  op: string;
  items: readonly T[];
  ctx: RequestContext;
  /** Writes one successful item's payload (after `m:ResponseCode`). Throws {@link EwsError} to fail the item. */
  handle: (item: T, w: XmlWriter, index: number) => Promise<void> | void;
  /** Payload a failed message must still carry (SyncFolderItems keeps an empty SyncState). */
  errorPayload?: (w: XmlWriter) => void;
}

/** Opens the `m:{op}Response` element with the namespaces its content uses. */
export function openResponse(w: XmlWriter, op: string): XmlWriter {
  return w.open(`m:${op}Response`, { 'xmlns:m': NS.messages, 'xmlns:t': NS.types });
}

/**
 * The one way batch responses are built: one response message per request item, in request
 * order. An item that fails gets its own error message; the rest of the batch carries on.
 */
export async function batchResponse<T>(batch: Batch<T>): Promise<XmlWriter> {
  const { op, ctx } = batch;
  const w = openResponse(new XmlWriter(), op).open('m:ResponseMessages');
  for (let i = 0; i < batch.items.length; i++) {
    const body = new XmlWriter();
    let error: EwsError | undefined;
    try {
      // Awaited only when the handler is asynchronous: a microtask hop per item adds up in batches of hundreds.
      const pending = batch.handle(batch.items[i]!, body, i);
      if (pending) await pending;
    } catch (err) {
      error = internalItemError(err, ctx);
    }
    ctx.stats.items++;
    if (error) {
      ctx.stats.classes[error.responseClass]++;
      writeErrorMessage(w, op, error, batch.errorPayload);
    } else {
      ctx.stats.classes.Success++;
      w.open(`m:${op}ResponseMessage`, { ResponseClass: 'Success' }).leaf('m:ResponseCode', 'NoError').append(body).close(`m:${op}ResponseMessage`);
    }
  }
  return w.close('m:ResponseMessages').close(`m:${op}Response`);
}

export function writeErrorMessage(w: XmlWriter, op: string, error: EwsError, payload?: (w: XmlWriter) => void): void {
  w.open(`m:${op}ResponseMessage`, { ResponseClass: error.responseClass })
    .leaf('m:MessageText', error.message)
    .leaf('m:ResponseCode', error.code)
    .leaf('m:DescriptiveLinkKey', 0);
  if (error.values?.length) {
    w.open('m:MessageXml');
    for (const [name, value] of error.values) w.leaf('t:Value', value, { Name: name });
    w.close('m:MessageXml');
  }
  payload?.(w);
  w.close(`m:${op}ResponseMessage`);
}

/** An unexpected failure of one item is logged with the request id and reported as an internal error. */
function internalItemError(err: unknown, ctx: RequestContext): EwsError {
  if (err instanceof EwsError) return err;
  ctx.log.error({ err, requestId: ctx.requestId }, 'item failed with an internal error');
  return new EwsError('ErrorInternalServerError', undefined, [['RequestId', ctx.requestId]]);
}
