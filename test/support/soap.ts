import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseXml } from '../../src/soap/xml-parser.js';
import type { XmlElement } from '../../src/soap/xml-element.js';
import { NS } from '../../src/soap/namespaces.js';
import type { TestUser } from './server.js';

export { NS };

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root (tests run from dist/test/support). */
export const REPO = resolve(here, '..', '..', '..');
export const SHARED = resolve(REPO, '..', 'shared');
export const SEEDS = join(SHARED, 'seeds', 'xml');

export interface SoapReply {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed document. */
  doc: XmlElement;
  /** The first child of soap:Body. */
  body: XmlElement;
}

/** Wraps operation XML (using prefixes m: and t:) in a SOAP envelope. */
export function envelope(operationXml: string, version = 'Exchange2016'): string {
  return (
    `<?xml version="1.0" encoding="utf-8"?>` +
    `<soap:Envelope xmlns:soap="${NS.soap}" xmlns:m="${NS.messages}" xmlns:t="${NS.types}">` +
    `<soap:Header><t:RequestServerVersion Version="${version}"/></soap:Header>` +
    `<soap:Body>${operationXml}</soap:Body></soap:Envelope>`
  );
}

export function basicAuth(user: TestUser): string {
  return 'Basic ' + Buffer.from(`${user.email}:${user.password}`).toString('base64');
}

/**
 * POSTs a raw SOAP document, checks the invariants every response must hold (content type,
 * XML declaration, ServerVersionInfo) and validates it against Exchange's schema.
 */
export async function postRaw(url: string, user: TestUser | undefined, xml: string): Promise<SoapReply> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'text/xml; charset=utf-8', ...(user ? { Authorization: basicAuth(user) } : {}) },
    body: xml,
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  // The whole body arrived, as announced (responses are written in chunks: see send() in ews-server.ts).
  if (res.headers.get('content-length') !== String(bytes.length)) throw new Error(`Content-Length ${res.headers.get('content-length')} but ${bytes.length} bytes received`);
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  if (res.headers.get('content-type') !== 'text/xml; charset=utf-8') throw new Error(`bad content type ${res.headers.get('content-type')}`);
  if (!text.startsWith('<?xml version="1.0" encoding="utf-8"?>')) throw new Error('response lacks the XML declaration');
  const doc = parseXml(text);
  const body = doc.child('Body', NS.soap)?.children[0];
  if (!body) throw new Error('response has no body element');
  validate(text);
  return { status: res.status, headers: res.headers, text, doc, body };
}

/** POSTs `operationXml` wrapped in an envelope. */
export function post(url: string, user: TestUser | undefined, operationXml: string): Promise<SoapReply> {
  return postRaw(url, user, envelope(operationXml));
}

let validateDir: string | undefined;
let counter = 0;

/** Runs ../shared/tools/ews-validate on a response and throws with its complaints. */
export function validate(xml: string): void {
  // xmllint refuses text nodes over 10 MB (a 20 MB item's base64); their content is not what the
  // schema checks, so they are shortened to a valid base64 prefix first.
  if (xml.length > 8_000_000) xml = shortenHugeText(xml);
  validateDir ??= mkdtempSync(join(tmpdir(), 'ewsd-validate-'));
  const file = join(validateDir, `response-${++counter}.xml`);
  writeFileSync(file, xml);
  try {
    execFileSync(join(SHARED, 'tools', 'ews-validate'), [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    const complaints = `${e.stdout ?? ''}${e.stderr ?? ''}`;
    // ews-validate re-serialises the body with ElementTree, which renames prefixes but not the
    // QNames inside xsi:type values (ConvertId's `xsi:type="t:AlternateIdType"`). Such bodies are
    // validated as sent instead, with the same schema.
    if (complaints.includes('has no corresponding namespace declaration in scope') && validateBodyAsSent(xml, file)) return;
    throw new Error(`schema validation failed:\n${complaints}\n--- response ---\n${xml.slice(0, 4000)}`);
  }
}

function shortenHugeText(xml: string): string {
  const parts: string[] = [];
  let at = 0;
  for (;;) {
    const open = xml.indexOf('>', at);
    if (open < 0) break;
    const close = xml.indexOf('<', open);
    if (close < 0) break;
    parts.push(xml.slice(at, open + 1), close - open > 1_000_000 ? xml.slice(open + 1, open + 65) : xml.slice(open + 1, close));
    at = close;
  }
  parts.push(xml.slice(at));
  return parts.join('');
}

/** xmllint on the first child of soap:Body exactly as written (prefixes kept); true when it validates. */
function validateBodyAsSent(xml: string, file: string): boolean {
  const open = /<s:Body( [^>]*)?>/.exec(xml);
  const end = xml.lastIndexOf('</s:Body>');
  if (!open || end < 0) return false;
  const body = xml.slice(open.index + open[0].length, end);
  const withXsi = body.replace(/^<([A-Za-z:]+)/, `<$1 xmlns:xsi="${NS.xsi}"`);
  const bodyFile = `${file}.body.xml`;
  writeFileSync(bodyFile, `<?xml version="1.0" encoding="utf-8"?>${withXsi}`);
  try {
    execFileSync('xmllint', ['--noout', '--schema', join(SHARED, 'reference', 'schema', 'validate', 'messages.xsd'), bodyFile], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The `ResponseMessages` children of an operation response. */
export function messages(body: XmlElement): XmlElement[] {
  return body.child('ResponseMessages')?.children ?? [];
}

/** `[ResponseClass, ResponseCode]` of each response message. */
export function outcomes(body: XmlElement): Array<[string, string]> {
  return messages(body).map((m) => [m.attr('ResponseClass') ?? '', m.childText('ResponseCode') ?? '']);
}
