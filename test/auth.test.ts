import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { parseBasic } from '../src/auth/authenticator.js';
import { generatePassword, hashPassword, verifyPassword } from '../src/auth/password.js';
import { rawRequest } from './support/http.js';
import { startTestServer, type TestServer, type TestUser } from './support/server.js';
import { basicAuth, REPO } from './support/soap.js';

const run = promisify(execFile);

describe('password hashes', () => {
  it('are scrypt with parameters, salt and key in the stored string', async () => {
    const hash = await hashPassword('correct horse');
    assert.match(hash, /^scrypt\$16384\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    assert.notEqual(await hashPassword('correct horse'), hash, 'every hash has its own salt');
  });

  it('verify the right password and refuse any other', async () => {
    const hash = await hashPassword('correct horse');
    assert.equal(await verifyPassword('correct horse', hash), true);
    for (const wrong of ['Correct horse', 'correct horse ', '', 'correct hors']) assert.equal(await verifyPassword(wrong, hash), false, wrong);
  });

  it('compare Unicode passwords in NFC, however the client composed them', async () => {
    const hash = await hashPassword('caf\u00e9');
    assert.equal(await verifyPassword('cafe\u0301', hash), true);
  });

  it('refuse, without throwing, stored hashes that are malformed or of another length', async () => {
    const hash = await hashPassword('pw');
    const parts = hash.split('$');
    const shortKey = [...parts.slice(0, 5), Buffer.alloc(16).toString('base64')].join('$');
    // A key of the right length that differs in its last byte only: the constant-time compare path.
    const key = Buffer.from(parts[5]!, 'base64');
    key[key.length - 1]! ^= 1;
    const nearMiss = [...parts.slice(0, 5), key.toString('base64')].join('$');
    for (const stored of ['', 'plain', 'bcrypt$1$2$3$4$5', 'scrypt$0$8$1$AAAA$AAAA', shortKey, nearMiss, hash.replace('scrypt', 'SCRYPT')]) {
      assert.equal(await verifyPassword('pw', stored), false, stored);
    }
  });

  it('generated passwords are long and random', () => {
    const a = generatePassword();
    assert.match(a, /^[A-Za-z0-9_-]{20}$/);
    assert.notEqual(generatePassword(), a);
  });
});

describe('Basic credentials', () => {
  const header = (s: string) => 'Basic ' + Buffer.from(s).toString('base64');

  it('split at the first colon, so passwords may contain colons', () => {
    assert.deepEqual(parseBasic(header('alice@example.com:a:b')), { user: 'alice@example.com', password: 'a:b' });
  });

  it('drop a DOMAIN\\ or \\ prefix from the user name', () => {
    assert.deepEqual(parseBasic(header('EXAMPLE\\alice@example.com:pw')), { user: 'alice@example.com', password: 'pw' });
    assert.deepEqual(parseBasic(header('\\alice@example.com:pw')), { user: 'alice@example.com', password: 'pw' });
  });

  it('are undefined for anything but Basic user:password', () => {
    for (const h of [undefined, '', 'Basic', 'Basic ###', 'Negotiate abc', header('no colon')]) assert.equal(parseBasic(h), undefined, String(h));
  });
});

describe('authentication over HTTP', () => {
  let server: TestServer;
  let alice: TestUser;
  before(async () => {
    server = await startTestServer();
    alice = await server.addUser('alice@example.com', 'first password');
  });
  after(() => server.stop());

  const status = async (user: string, password: string) =>
    (await rawRequest(server.url, { method: 'GET', headers: { Authorization: basicAuth({ email: user, password }) } })).status;

  it('accepts DOMAIN\\user, \\user and any case of the address', async () => {
    for (const user of ['EXAMPLE\\alice@example.com', '\\alice@example.com', 'Alice@Example.COM']) assert.equal(await status(user, 'first password'), 200, user);
  });

  it('spends a hash check on unknown users too, so timing does not tell which addresses exist', async () => {
    await status('warm-up@example.com', 'x'); // the first one also derives the stand-in hash
    // A lower bound only: a loaded machine makes this slower, never faster. scrypt with
    // N=16384 costs ~50 ms on CI hardware; an unknown user answered without it takes < 2 ms.
    const started = performance.now();
    assert.equal(await status('nobody@example.com', 'guess'), 401);
    assert.ok(performance.now() - started >= 10, 'an unknown user was answered without a hash check');
  });

  it('takes `ewsd user passwd` into account at once, even for credentials it has just verified', async () => {
    assert.equal(await status(alice.email, 'first password'), 200); // now remembered as verified
    await run(process.execPath, ['bin/ewsd.js', 'user', 'passwd', alice.email, '--password', 'second password', '--data', server.dataDir], { cwd: REPO });
    assert.equal(await status(alice.email, 'first password'), 401);
    assert.equal(await status(alice.email, 'second password'), 200);
  });

  it('stops accepting a removed user at once', async () => {
    const bob = await server.addUser('bob@example.com');
    assert.equal(await status(bob.email, bob.password), 200);
    await run(process.execPath, ['bin/ewsd.js', 'user', 'remove', bob.email, '--data', server.dataDir], { cwd: REPO });
    assert.equal(await status(bob.email, bob.password), 401);
  });
});
