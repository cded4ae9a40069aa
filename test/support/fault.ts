import assert from 'node:assert/strict';
import { NS, type SoapReply } from './soap.js';

export interface FaultView {
  faultcode: string;
  faultstring: string;
  responseCode: string;
  message: string;
  /** `t:MessageXml` children by local name (`LineNumber`, `Violation`, ...). */
  messageXml: Record<string, string>;
  /** `t:Value Name="..."` entries of `t:MessageXml`. */
  values: Record<string, string>;
}

/** Checks a reply is a SOAP fault in Exchange's shape (HTTP 500 unless told) and returns its parts. */
export function fault(reply: SoapReply, status = 500): FaultView {
  assert.equal(reply.status, status, reply.text);
  assert.equal(reply.body.ns, NS.soap);
  assert.equal(reply.body.name, 'Fault');
  // Exchange's faults carry the ServerVersionInfo header too: clients read it from every response.
  const header = reply.doc.child('Header', NS.soap);
  assert.ok(header?.child('ServerVersionInfo', NS.types), 'the fault lacks t:ServerVersionInfo');
  const detail = reply.body.child('detail', '');
  assert.ok(detail, 'the fault has no detail');
  const messageXml: Record<string, string> = {};
  const values: Record<string, string> = {};
  for (const c of detail.child('MessageXml', NS.types)?.children ?? []) {
    if (c.name === 'Value') values[c.attr('Name') ?? ''] = c.text;
    else messageXml[c.name] = c.text;
  }
  return {
    faultcode: reply.body.child('faultcode', '')!.text,
    faultstring: reply.body.child('faultstring', '')!.text,
    responseCode: detail.child('ResponseCode', NS.errors)!.text,
    message: detail.child('Message', NS.errors)!.text,
    messageXml,
    values,
  };
}
