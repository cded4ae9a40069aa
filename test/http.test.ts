import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { parseXml } from '../src/soap/xml-parser.js';
import { rawRequest, type RawReply } from './support/http.js';
import { startTestServer, type TestServer, type TestUser } from './support/server.js';
import { basicAuth, envelope, NS, outcomes, post, validate } from './support/soap.js';

const GET_INBOX = '<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>';
const run = promisify(execFile);
const XML_DECL = '<?xml version="1.0" encoding="utf-8"?>';

/** What every response of the endpoint must look like, whatever its status. */
function assertXmlReply(reply: RawReply): void {
  assert.equal(reply.headers['content-type'], 'text/xml; charset=utf-8');
  assert.ok(reply.text.startsWith(XML_DECL), reply.text.slice(0, 80));
  parseXml(reply.text);
}

function faultCode(reply: RawReply): string {
  validate(reply.text);
  const body = parseXml(reply.text).child('Body', NS.soap)!.children[0]!;
  assert.equal(body.name, 'Fault');
  return body.child('detail', '')!.child('ResponseCode', NS.errors)!.text;
}

describe('HTTP endpoint', () => {
  let server: TestServer;
  let alice: TestUser;
  const cap = 64 * 1024;
  before(async () => {
    server = await startTestServer({ maxBodyBytes: cap });
    alice = await server.addUser('alice@example.com', 'correct horse');
  });
  after(() => server.stop());

  for (const method of ['POST', 'GET']) {
    it(`asks for Basic credentials on an unauthenticated ${method}`, async () => {
      const reply = await rawRequest(server.url, { method, ...(method === 'POST' ? { body: envelope(GET_INBOX) } : {}) });
      assert.equal(reply.status, 401);
      assert.match(String(reply.headers['www-authenticate']), /^Basic realm="[^"]+"$/);
      assertXmlReply(reply);
    });
  }

  it('refuses a wrong password, an unknown user and a malformed Authorization header', async () => {
    for (const authorization of [
      basicAuth({ email: alice.email, password: 'wrong' }),
      basicAuth({ email: 'nobody@example.com', password: 'correct horse' }),
      'Basic !!!',
      'Bearer abc.def.ghi',
      'Basic ' + Buffer.from('no-colon').toString('base64'),
    ]) {
      const reply = await rawRequest(server.url, { headers: { Authorization: authorization }, body: envelope(GET_INBOX) });
      assert.equal(reply.status, 401, authorization);
      assert.match(String(reply.headers['www-authenticate']), /^Basic realm=/);
      assertXmlReply(reply);
    }
  });

  it('answers an authenticated GET with 200', async () => {
    const reply = await rawRequest(server.url, { method: 'GET', headers: { Authorization: basicAuth(alice) } });
    assert.equal(reply.status, 200);
    assertXmlReply(reply);
  });

  it('matches the path case-insensitively and ignores a query string', async () => {
    for (const path of ['/ews/exchange.asmx', '/EWS/EXCHANGE.ASMX', '/Ews/Exchange.asmx?x=1']) {
      const reply = await rawRequest(server.url, { path, headers: { Authorization: basicAuth(alice), 'Content-Type': 'text/xml' }, body: envelope(GET_INBOX) });
      assert.equal(reply.status, 200, path);
      assertXmlReply(reply);
    }
  });

  it('answers other paths with 404, authenticated or not', async () => {
    for (const path of ['/', '/EWS/Exchange.asmx/x', '/autodiscover/autodiscover.xml', '/EWS/Services.wsdl']) {
      for (const headers of [{}, { Authorization: basicAuth(alice) }] as Array<Record<string, string>>) {
        const reply = await rawRequest(server.url, { path, headers, body: envelope(GET_INBOX) });
        assert.equal(reply.status, 404, path);
        assertXmlReply(reply);
      }
    }
  });

  it('answers other methods with 405', async () => {
    const reply = await rawRequest(server.url, { method: 'PUT', headers: { Authorization: basicAuth(alice) }, body: 'x' });
    assert.equal(reply.status, 405);
    assertXmlReply(reply);
  });

  it('answers a body over the cap (with Content-Length) with 413 and a SOAP fault', async () => {
    const big = envelope(`<m:GetFolder><!--${'x'.repeat(cap)}--></m:GetFolder>`);
    const reply = await rawRequest(server.url, { headers: { Authorization: basicAuth(alice), 'Content-Length': Buffer.byteLength(big) }, body: big });
    assert.equal(reply.status, 413);
    assertXmlReply(reply);
    assert.equal(faultCode(reply), 'ErrorRequestTooLarge');
  });

  it('answers a chunked body over the cap (no Content-Length) with 413 and a SOAP fault', async () => {
    const chunk = `<!--${'y'.repeat(8000)}-->`;
    const body = [envelope('<m:GetFolder>').replace(/<\/soap:Body>.*/, ''), ...Array.from({ length: 40 }, () => chunk), '</m:GetFolder></soap:Body></soap:Envelope>'];
    const reply = await rawRequest(server.url, { headers: { Authorization: basicAuth(alice) }, body });
    assert.equal(reply.status, 413);
    assertXmlReply(reply);
    assert.equal(faultCode(reply), 'ErrorRequestTooLarge');
  });

  it('lets a client that sends the whole body before reading see the 413, not a reset', async () => {
    // Python's requests (under exchangelib) writes the whole body before it reads the answer; a
    // server that closes with unread data makes the kernel reset the connection, losing the 413.
    const script = [
      'import sys, requests',
      'r = requests.post(sys.argv[1], data=b"a" * (20 * 1024 * 1024), auth=(sys.argv[2], sys.argv[3]))',
      'print(r.status_code, "ErrorRequestTooLarge" in r.text)',
    ].join('\n');
    const { stdout } = await run('/usr/bin/python3', ['-c', script, server.url, alice.email, alice.password]);
    assert.equal(stdout.trim(), '413 True');
  });

  it('keeps serving after a too-large request', async () => {
    const reply = await post(server.url, alice, GET_INBOX);
    assert.deepEqual(outcomes(reply.body), [['Success', 'NoError']]);
  });

  it('accepts a body just under the cap', async () => {
    const head = envelope('<m:GetFolder><!--PAD-->').replace(/<\/soap:Body>.*/, '');
    const tail = `<m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder></soap:Body></soap:Envelope>`;
    const pad = 'z'.repeat(cap - Buffer.byteLength(head + tail) - 100);
    const body = head.replace('PAD', pad) + tail;
    assert.ok(Buffer.byteLength(body) <= cap);
    const reply = await rawRequest(server.url, { headers: { Authorization: basicAuth(alice) }, body });
    assert.equal(reply.status, 200);
    assertXmlReply(reply);
  });

  it('answers a body that is not valid UTF-8 with a schema fault', async () => {
    const xml = Buffer.from(envelope(GET_INBOX.replace('inbox', 'inbox\u00e9')), 'utf8');
    const bad = Buffer.from(xml.toString('latin1').replace('inbox\u00c3\u00a9', 'inbox\u00e9'), 'latin1'); // a lone 0xE9 byte
    assert.ok(bad.includes(0xe9) && !bad.includes(0xc3));
    const reply = await rawRequest(server.url, { headers: { Authorization: basicAuth(alice) }, body: bad });
    assert.equal(reply.status, 500);
    assertXmlReply(reply);
    assert.equal(faultCode(reply), 'ErrorSchemaValidation');
    assert.match(reply.text, /not valid UTF-8/);
  });

  it('reads a UTF-8 character split across two body chunks', async () => {
    const xml = Buffer.from(envelope('<m:Frobnicaté/>'), 'utf8');
    const split = xml.indexOf(0xc3) + 1; // between the two bytes of é
    const reply = await rawRequest(server.url, { headers: { Authorization: basicAuth(alice) }, body: [xml.subarray(0, split), xml.subarray(split)] });
    assert.equal(faultCode(reply), 'ErrorSchemaValidation');
    assert.match(reply.text, /Frobnicaté/);
  });

  it('answers an empty POST with a schema fault', async () => {
    const reply = await rawRequest(server.url, { headers: { Authorization: basicAuth(alice) } });
    assert.equal(reply.status, 500);
    assert.equal(faultCode(reply), 'ErrorSchemaValidation');
  });

  it('serves concurrent requests, each with its own answer', async () => {
    const bob = await server.addUser('bob@example.com');
    const ask = (user: TestUser, id: string) =>
      post(server.url, user, `<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="${id}"/></m:FolderIds></m:GetFolder>`);
    const names = ['inbox', 'drafts', 'sentitems', 'calendar', 'contacts', 'tasks', 'notes', 'junkemail'];
    const replies = await Promise.all(names.flatMap((id) => [ask(alice, id), ask(bob, id)]));
    replies.forEach((reply, i) => {
      assert.deepEqual(outcomes(reply.body), [['Success', 'NoError']]);
      const folder = reply.body.child('ResponseMessages')!.children[0]!.child('Folders')!.children[0]!;
      assert.ok(folder.childText('DisplayName'), names[Math.floor(i / 2)]);
    });
  });
});
