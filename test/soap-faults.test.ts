import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fault } from './support/fault.js';
import { useTestServer } from './support/server.js';
import { envelope, NS, outcomes, post, postRaw, SEEDS, SHARED } from './support/soap.js';

const GET_INBOX = '<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>';

/** The ExchangeVersionType enumeration of Types.xsd: every version a client may ask for. */
function documentedVersions(): string[] {
  const xsd = readFileSync(join(SHARED, 'reference', 'schema', 'Types.xsd'), 'utf8');
  const type = /<xs:simpleType name="ExchangeVersionType">([\s\S]*?)<\/xs:simpleType>/.exec(xsd)![1]!;
  return [...type.matchAll(/value="([^"]+)"/g)].map((m) => m[1]!);
}

describe('SOAP faults', () => {
  const env = useTestServer('alice');

  it('answers malformed XML with ErrorSchemaValidation and where it broke', async () => {
    const xml = `<?xml version="1.0" encoding="utf-8"?>\n<soap:Envelope xmlns:soap="${NS.soap}" xmlns:m="${NS.messages}">\n<soap:Body><m:GetFolder>\n</soap:Body></soap:Envelope>`;
    const f = fault(await postRaw(env.server.url, env.users.alice, xml));
    assert.equal(f.faultcode, 'a:ErrorSchemaValidation');
    assert.equal(f.responseCode, 'ErrorSchemaValidation');
    assert.match(f.faultstring, /^The request failed schema validation/);
    assert.equal(f.message, f.faultstring);
    assert.equal(f.messageXml.LineNumber, '4');
    assert.ok(Number(f.messageXml.LinePosition) > 0);
    assert.ok(f.messageXml.Violation);
  });

  it('answers an envelope without Body', async () => {
    const f = fault(await postRaw(env.server.url, env.users.alice, `<soap:Envelope xmlns:soap="${NS.soap}"><soap:Header/></soap:Envelope>`));
    assert.equal(f.responseCode, 'ErrorSchemaValidation');
    assert.match(f.messageXml.Violation!, /no Body/);
  });

  it('answers an empty Body', async () => {
    const f = fault(await postRaw(env.server.url, env.users.alice, `<soap:Envelope xmlns:soap="${NS.soap}"><soap:Body>  </soap:Body></soap:Envelope>`));
    assert.equal(f.responseCode, 'ErrorSchemaValidation');
    assert.match(f.messageXml.Violation!, /Body is empty/);
  });

  it('answers a document whose root is not a SOAP envelope', async () => {
    const f = fault(await postRaw(env.server.url, env.users.alice, `<m:GetFolder xmlns:m="${NS.messages}"/>`));
    assert.equal(f.responseCode, 'ErrorSchemaValidation');
    assert.match(f.messageXml.Violation!, /root element/);
    const soap12 = fault(await postRaw(env.server.url, env.users.alice, `<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body/></e:Envelope>`));
    assert.equal(soap12.responseCode, 'ErrorSchemaValidation');
  });

  it('answers an element that is no EWS operation, naming it', async () => {
    const f = fault(await post(env.server.url, env.users.alice, '<m:Frobnicate/>'));
    assert.equal(f.responseCode, 'ErrorSchemaValidation');
    assert.match(f.message, /Frobnicate/);
    const foreign = fault(await post(env.server.url, env.users.alice, '<GetFolder xmlns="urn:not-ews"/>'));
    assert.match(foreign.message, /urn:not-ews/);
  });

  it('answers an operation whose content breaks the schema with the line it is on', async () => {
    const f = fault(await post(env.server.url, env.users.alice, '<m:GetFolder>\n<m:FolderShape><t:BaseShape>Everything</t:BaseShape></m:FolderShape></m:GetFolder>'));
    assert.equal(f.responseCode, 'ErrorSchemaValidation');
    assert.match(f.messageXml.Violation!, /Everything/);
    assert.equal(f.messageXml.LineNumber, '2');
  });

  it('answers an EWS operation that is not implemented yet with a fault naming it', async () => {
    const f = fault(await post(env.server.url, env.users.alice, '<m:PlayOnPhone><m:ItemId Id="x"/><m:DialString>1</m:DialString></m:PlayOnPhone>'));
    assert.equal(f.faultcode, 'a:ErrorInvalidOperation');
    assert.equal(f.responseCode, 'ErrorInvalidOperation');
    assert.match(f.message, /'PlayOnPhone'.*not implemented/);
  });

  it('answers an unknown RequestServerVersion with ErrorInvalidServerVersion', async () => {
    const f = fault(await postRaw(env.server.url, env.users.alice, envelope(GET_INBOX, 'Exchange2003')));
    assert.equal(f.faultcode, 'a:ErrorInvalidServerVersion');
    assert.equal(f.responseCode, 'ErrorInvalidServerVersion');
    assert.equal(f.message, 'The specified server version is invalid.');
  });

  it('accepts a request without RequestServerVersion (DavMail sends none)', async () => {
    const xml = `<soap:Envelope xmlns:soap="${NS.soap}" xmlns:m="${NS.messages}" xmlns:t="${NS.types}"><soap:Body>${GET_INBOX}</soap:Body></soap:Envelope>`;
    const reply = await postRaw(env.server.url, env.users.alice, xml);
    assert.equal(reply.status, 200);
    assert.deepEqual(outcomes(reply.body), [['Success', 'NoError']]);
  });

  it('accepts every documented RequestServerVersion, Exchange2019 and V2018_01_08', async () => {
    const versions = [...documentedVersions(), 'Exchange2019', 'V2018_01_08'];
    assert.ok(versions.length >= 20);
    for (const version of versions) {
      const reply = await postRaw(env.server.url, env.users.alice, envelope(GET_INBOX, version));
      assert.equal(reply.status, 200, version);
      assert.deepEqual(outcomes(reply.body), [['Success', 'NoError']], version);
    }
  });

  it('answers every reply with an Exchange 2019 ServerVersionInfo', async () => {
    const reply = await post(env.server.url, env.users.alice, GET_INBOX);
    const info = reply.doc.child('Header', NS.soap)!.child('ServerVersionInfo', NS.types)!;
    assert.deepEqual(
      { ...info.attrs },
      { MajorVersion: '15', MinorVersion: '2', MajorBuildNumber: '1544', MinorBuildNumber: '4', Version: 'V2017_07_11' },
    );
  });

  it('ignores the header elements clients add (TimeZoneContext, DateTimePrecision, MailboxCulture, ...)', async () => {
    const xml =
      `<s:Envelope xmlns:s="${NS.soap}" xmlns:m="${NS.messages}" xmlns:t="${NS.types}"><s:Header>` +
      '<t:RequestServerVersion Version="Exchange2019"/><t:TimeZoneContext><t:TimeZoneDefinition Id="W. Europe Standard Time"/></t:TimeZoneContext>' +
      '<t:DateTimePrecision>Seconds</t:DateTimePrecision><t:MailboxCulture>en-US</t:MailboxCulture>' +
      `</s:Header><s:Body>${GET_INBOX}</s:Body></s:Envelope>`;
    const reply = await postRaw(env.server.url, env.users.alice, xml);
    assert.deepEqual(outcomes(reply.body), [['Success', 'NoError']]);
  });

  it('accepts a body that starts with a UTF-8 byte order mark', async () => {
    const reply = await postRaw(env.server.url, env.users.alice, '\ufeff' + envelope(GET_INBOX));
    assert.deepEqual(outcomes(reply.body), [['Success', 'NoError']]);
  });

  it('reads requests written like the seed documents (https:// namespaces, envelope included)', async () => {
    // The seeds' own envelope and namespace declarations, carrying a GetFolder.
    const seed = readFileSync(join(SEEDS, 'GetItem.request-batch.xml'), 'utf8');
    assert.match(seed, /xmlns:soap="https:\/\/schemas.xmlsoap.org\/soap\/envelope\/"/);
    const xml = seed.replace(/<soap:Body>[\s\S]*<\/soap:Body>/, `<soap:Body>${GET_INBOX}</soap:Body>`);
    const reply = await postRaw(env.server.url, env.users.alice, xml);
    assert.equal(reply.status, 200);
    assert.deepEqual(outcomes(reply.body), [['Success', 'NoError']]);
    // The answer uses the real namespaces only.
    assert.doesNotMatch(reply.text, /https:\/\//);
  });
});
