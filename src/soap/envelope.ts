import { NS } from './namespaces.js';
import { esc, type XmlChunk } from './xml-writer.js';
import type { XmlElement } from './xml-element.js';

export const XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';

/**
 * The server we claim to be. exchangelib 4.9 asks for Exchange2019 and refuses any 15.1 build,
 * so this is an Exchange 2019 build (15.2) with the newest schema version string.
 */
export const SERVER_VERSION = {
  MajorVersion: 15,
  MinorVersion: 2,
  MajorBuildNumber: 1544,
  MinorBuildNumber: 4,
  Version: 'V2017_07_11',
} as const;

const SERVER_VERSION_INFO =
  `<h:ServerVersionInfo xmlns:h="${NS.types}" MajorVersion="${SERVER_VERSION.MajorVersion}" MinorVersion="${SERVER_VERSION.MinorVersion}"` +
  ` MajorBuildNumber="${SERVER_VERSION.MajorBuildNumber}" MinorBuildNumber="${SERVER_VERSION.MinorBuildNumber}" Version="${SERVER_VERSION.Version}"/>`;

const ENVELOPE_START =
  `${XML_DECLARATION}<s:Envelope xmlns:s="${NS.soap}"><s:Header>${SERVER_VERSION_INFO}</s:Header>` +
  `<s:Body xmlns:xsi="${NS.xsi}" xmlns:xsd="${NS.xsd}">`;
const ENVELOPE_END = '</s:Body></s:Envelope>';

/** Wraps a serialised body element into a complete response document. */
export function writeEnvelope(bodyXml: string): string {
  return ENVELOPE_START + bodyXml + ENVELOPE_END;
}

/** {@link writeEnvelope} for a body in chunks (XmlWriter.chunks()): the same document, still in chunks. */
export function envelopeChunks(body: readonly XmlChunk[]): XmlChunk[] {
  return [ENVELOPE_START, ...body, ENVELOPE_END];
}

export interface FaultInput {
  code: string;
  message: string;
  line?: number;
  position?: number;
  violation?: string;
  values?: ReadonlyArray<readonly [string, string]>;
}

/** A SOAP 1.1 fault in Exchange's shape: unqualified faultcode/faultstring/detail, codes in the errors namespace. */
export function writeFault(f: FaultInput): string {
  let messageXml = '';
  if (f.line !== undefined) messageXml += `<t:LineNumber>${f.line}</t:LineNumber>`;
  if (f.position !== undefined) messageXml += `<t:LinePosition>${f.position}</t:LinePosition>`;
  if (f.violation !== undefined) messageXml += `<t:Violation>${esc(f.violation)}</t:Violation>`;
  for (const [name, value] of f.values ?? []) messageXml += `<t:Value Name="${esc(name)}">${esc(value)}</t:Value>`;
  const body =
    `<s:Fault><faultcode xmlns:a="${NS.types}">a:${esc(f.code)}</faultcode>` +
    `<faultstring xml:lang="en-US">${esc(f.message)}</faultstring><detail>` +
    `<e:ResponseCode xmlns:e="${NS.errors}">${esc(f.code)}</e:ResponseCode>` +
    `<e:Message xmlns:e="${NS.errors}">${esc(f.message)}</e:Message>` +
    (messageXml ? `<t:MessageXml xmlns:t="${NS.types}">${messageXml}</t:MessageXml>` : '') +
    `</detail></s:Fault>`;
  return writeEnvelope(body);
}

/** What a request envelope says, once its shape has been checked. */
export interface RequestEnvelope {
  header: XmlElement | undefined;
  /** The operation element: the first child of soap:Body. */
  operation: XmlElement;
  /** The RequestServerVersion asked for, if any. */
  requestedVersion: string | undefined;
}

/** Thrown for an envelope that is not SOAP 1.1 as EWS uses it. */
export class EnvelopeError extends Error {}

export function readEnvelope(root: XmlElement): RequestEnvelope {
  if (root.ns !== NS.soap || root.name !== 'Envelope') {
    throw new EnvelopeError(`The root element must be {${NS.soap}}Envelope, not {${root.ns}}${root.name}.`);
  }
  const header = root.child('Header', NS.soap);
  const body = root.child('Body', NS.soap);
  if (!body) throw new EnvelopeError('The SOAP envelope has no Body.');
  const operation = body.children[0];
  if (!operation) throw new EnvelopeError('The SOAP Body is empty.');
  const requestedVersion = header?.child('RequestServerVersion', NS.types)?.attr('Version');
  return { header, operation, requestedVersion };
}
