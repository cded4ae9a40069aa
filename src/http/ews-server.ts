import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Authenticator } from '../auth/authenticator.js';
import { newStats, type Mailer, type RequestContext } from '../ews/context.js';
import { dispatch, faultXml, internalError, onRequestElementEnd } from '../ews/dispatch.js';
import { SoapFault } from '../ews/errors.js';
import type { Logger } from '../log.js';
import { XML_DECLARATION } from '../soap/envelope.js';
import { NS } from '../soap/namespaces.js';
import { DEFAULT_XML_LIMITS, XmlParseError, type XmlLimits } from '../soap/xml-parser.js';
import { RequestParser } from '../soap/request-parser.js';
import { chunksByteLength, type XmlChunk } from '../soap/xml-writer.js';
import type { XmlElement } from '../soap/xml-element.js';
import type { Store } from '../store/store.js';
import { ResponseBuffers } from './response-buffers.js';
import { Utf8Body } from './utf8-body.js';

export interface EwsServerOptions {
  store: Store;
  authenticator: Authenticator;
  log: Logger;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  xmlLimits?: XmlLimits;
  /** Told when a send has queued mail for remote recipients. */
  mailer?: Mailer;
}

/** 25 MB of item data is about 34 MB once base64-encoded, plus the envelope around it. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

const EWS_PATH = '/ews/exchange.asmx';
const REALM = 'Basic realm="ewsd"';
const CONTENT_TYPE = 'text/xml; charset=utf-8';
/** How long the rest of a refused (too large) body is read and thrown away before the connection is dropped. */
const DRAIN_TIMEOUT_MS = 60_000;

/** Request ids: 8 random bytes each, drawn from a pool (one randomBytes call per 512 requests instead of one each). */
const ID_BYTES = 8;
let idPool = Buffer.alloc(0);
let idOffset = 0;
function nextRequestId(): string {
  if (idOffset + ID_BYTES > idPool.length) {
    idPool = randomBytes(ID_BYTES * 512);
    idOffset = 0;
  }
  idOffset += ID_BYTES;
  return idPool.toString('hex', idOffset - ID_BYTES, idOffset);
}

/** What the request's log line reports beyond method, status and duration; filled in as the request is served. */
interface RequestSummary {
  user?: string;
  operation?: string;
  items?: number;
  classes?: RequestContext['stats']['classes'];
}

/** The HTTP face of ewsd: one route, Basic authentication, a streamed and bounded request body. */
export function createEwsServer(opts: EwsServerOptions): Server {
  const server = createServer((req, res) => {
    const started = process.hrtime.bigint();
    const requestId = nextRequestId();
    const summary: RequestSummary = {};
    res.setHeader('X-Request-Id', requestId);
    opts.log.debug({ requestId, method: req.method, url: req.url }, 'request received');
    // Exactly one line per answered request, whatever path it took.
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      opts.log.info({ requestId, method: req.method, status: res.statusCode, ...summary, ms }, 'request');
    });
    handle(req, res, requestId, summary, opts).catch((err) => {
      // Whatever failed (the store, say), the client gets a fault carrying the id of this log line.
      opts.log.error({ err, requestId }, 'request failed in the HTTP layer');
      req.resume();
      if (!res.headersSent) send(res, 500, faultXml(internalError(requestId)));
      else res.destroy();
    });
  });
  server.requestTimeout = 10 * 60_000;
  return server;
}

async function handle(req: IncomingMessage, res: ServerResponse, requestId: string, summary: RequestSummary, opts: EwsServerOptions): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]!.toLowerCase();
  if (path !== EWS_PATH) {
    req.resume();
    return send(res, 404, fault('ErrorInvalidRequest', `No EWS endpoint at ${path}; use /EWS/Exchange.asmx.`));
  }
  const account = await opts.authenticator.authenticate(req.headers.authorization);
  if (!account) {
    req.resume();
    res.setHeader('WWW-Authenticate', REALM);
    return send(res, 401, fault('ErrorAccessDenied', 'The request must be authenticated.'));
  }
  summary.user = account.email;
  if (req.method === 'GET' || req.method === 'HEAD') {
    return send(res, 200, `${XML_DECLARATION}<ewsd xmlns="${NS.types}" endpoint="${EWS_PATH}" mailbox="${account.email}"/>`);
  }
  if (req.method !== 'POST') {
    req.resume();
    res.setHeader('Allow', 'GET, POST');
    return send(res, 405, fault('ErrorInvalidRequest', `The method ${req.method} is not allowed here.`));
  }

  const log = opts.log.child({ requestId });
  const ctx: RequestContext = { account, store: opts.store, requestId, log, stats: newStats(), ...(opts.mailer ? { mailer: opts.mailer } : {}) };
  const body = await readBody(req, opts);
  if (body.kind === 'gone') {
    // The client hung up before its request was complete: nobody to answer, nothing went wrong here.
    log.info({ user: account.email }, 'client closed the connection mid-request');
    return;
  }
  let status: number;
  let xml: string | readonly XmlChunk[];
  if (body.kind === 'too-large') {
    drainRest(req);
    status = 413;
    xml = fault('ErrorRequestTooLarge', `The request is larger than the limit of ${opts.maxBodyBytes} bytes.`);
  } else if (body.kind === 'invalid') {
    status = 500;
    xml = faultXml(body.fault);
  } else {
    let operation: string | undefined;
    ({ status, xml, operation } = await dispatch(body.root, ctx));
    Object.assign(summary, { operation, items: ctx.stats.items, classes: ctx.stats.classes });
  }
  send(res, status, xml);
}

type Body = { kind: 'ok'; root: XmlElement } | { kind: 'too-large' } | { kind: 'invalid'; fault: SoapFault } | { kind: 'gone' };

/**
 * Feeds the body to the XML parser as it arrives (see RequestParser). After the first parse error the rest is
 * read and discarded, so the client gets a clean fault; past the size cap we answer at once and
 * throw the rest of the body away (see {@link drainRest}).
 */
function readBody(req: IncomingMessage, opts: EwsServerOptions): Promise<Body> {
  if (Number(req.headers['content-length'] ?? 0) > opts.maxBodyBytes) return Promise.resolve({ kind: 'too-large' });
  const parser = new RequestParser(opts.xmlLimits ?? DEFAULT_XML_LIMITS, onRequestElementEnd);
  const decoder = new Utf8Body();
  let bytes = 0;
  let failure: SoapFault | undefined;
  const feed = (decode: () => string) => {
    if (failure) return;
    try {
      parser.write(decode());
    } catch (err) {
      failure = err instanceof TypeError ? SoapFault.schema('The request is not valid UTF-8.') : asFault(err);
    }
  };
  return new Promise((resolve) => {
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > opts.maxBodyBytes) {
        req.off('data', onData);
        req.off('end', onEnd);
        resolve({ kind: 'too-large' });
        return;
      }
      feed(() => decoder.decode(chunk));
    };
    const onEnd = () => {
      feed(() => decoder.end());
      if (failure) return resolve({ kind: 'invalid', fault: failure });
      try {
        resolve({ kind: 'ok', root: parser.close() });
      } catch (err) {
        resolve({ kind: 'invalid', fault: asFault(err) });
      }
    };
    req.on('data', onData);
    req.on('end', onEnd);
    // An aborted upload ends in 'error' (ECONNRESET) or only in 'close', never in 'end'; it
    // may even have happened already, while the credentials were being checked.
    req.on('error', () => resolve({ kind: 'gone' }));
    req.on('close', () => req.complete || resolve({ kind: 'gone' }));
    if (req.destroyed && !req.complete) resolve({ kind: 'gone' });
  });
}

/**
 * Reads and discards what is left of a refused body. Closing the socket with unread data would
 * make the kernel reset the connection, and clients that send the whole body before reading the
 * answer (Python's requests, hence exchangelib; fetch with large bodies) would see a reset
 * instead of our 413. The drain is bounded in time; past that the connection is dropped.
 */
function drainRest(req: IncomingMessage): void {
  const timer = setTimeout(() => req.destroy(), DRAIN_TIMEOUT_MS).unref();
  req.once('close', () => clearTimeout(timer));
  req.resume();
}

function asFault(err: unknown): SoapFault {
  if (err instanceof XmlParseError) return SoapFault.schema(err.message, err.line, err.column);
  if (err instanceof Error) return SoapFault.schema(err.message);
  return SoapFault.schema('The request is not valid XML.');
}

function fault(code: string, message: string): string {
  return faultXml(new SoapFault(code, message));
}

/**
 * Writes a response document. A document in chunks (XmlWriter.chunks()) is written piece by piece
 * into one buffer of its exact size: markup encoded as UTF-8, payloads base64-encoded in place
 * (Base64Chunk). Joining it into one string first would make V8 flatten megabytes and UTF-8 encode
 * them again, the largest cost of a GetItem with MIME content.
 */
function send(res: ServerResponse, status: number, xml: string | readonly XmlChunk[]): void {
  let body: Buffer;
  if (typeof xml !== 'string' && xml.every((c) => typeof c === 'string')) xml = xml.join('');
  if (typeof xml === 'string') {
    // Markup only: one encoding pass (measuring the UTF-8 length first would be a second one).
    body = Buffer.from(xml, 'utf8');
  } else {
    const taken = responseBuffers.take(chunksByteLength(xml));
    body = taken.buffer;
    let at = 0;
    for (const c of xml) at += typeof c === 'string' ? body.write(c, at, 'utf8') : c.writeTo(body, at);
    // A short write would leave uninitialised memory in the response: never send that.
    if (at !== body.length) throw new Error(`response size mismatch: wrote ${at} of ${body.length} bytes`);
    // 'finish': the last byte was handed to the kernel, so the buffer can serve the next response.
    if (taken.release) res.once('finish', taken.release);
  }
  res.writeHead(status, { 'Content-Type': CONTENT_TYPE, 'Content-Length': body.length });
  res.end(body);
}

/** Large response bodies are written into reused buffers (see response-buffers.ts). */
const responseBuffers = new ResponseBuffers();
