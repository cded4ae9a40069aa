import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { cli, serve, type ServeProcess } from './support/cli.js';
import { rawRequest } from './support/http.js';
import { basicAuth, envelope, outcomes, post } from './support/soap.js';

const GET_INBOX = '<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>';

/** Asserts a failed command: non-zero exit, exactly one `ewsd: ...` line on stderr. */
function assertOneLineError(r: { code: number; stdout: string; stderr: string }, pattern: RegExp): void {
  assert.notEqual(r.code, 0, 'exit code');
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `stderr: ${r.stderr}`);
  assert.match(lines[0]!, /^ewsd: /);
  assert.match(lines[0]!, pattern);
}

async function authStatus(url: string, email: string, password: string): Promise<number> {
  return (await rawRequest(url, { method: 'GET', headers: { Authorization: basicAuth({ email, password }) } })).status;
}

describe('ewsd CLI', () => {
  let tmp: string;
  let data: string;
  const running: ServeProcess[] = [];
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'ewsd-cli-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));
  afterEach(async () => {
    for (const p of running.splice(0)) {
      p.kill();
      await p.exited;
    }
  });
  let n = 0;
  const freshData = () => (data = join(tmp, `data-${++n}`));
  const start = async (args: string[], env?: Record<string, string>) => {
    const p = await serve(args, env);
    running.push(p);
    return p;
  };

  it('prints help and its version', async () => {
    const help = await cli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /serve/);
    assert.match(help.stdout, /user/);
    const version = await cli(['--version']);
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  it('adds, lists, changes and removes users', async () => {
    freshData();
    const add = await cli(['user', 'add', 'Alice@Example.com', '--password', 'pw-alice', '--name', 'Alice Liddell', '--data', data]);
    assert.equal(add.code, 0, add.stderr);
    assert.equal(add.stdout, 'added alice@example.com\n');
    assert.equal((await cli(['user', 'add', 'bob@example.com', '--password', 'pw-bob', '--data', data])).code, 0);
    const list = await cli(['user', 'list', '--data', data]);
    assert.equal(list.code, 0);
    const rows = list.stdout.trimEnd().split('\n').map((l) => l.split('\t'));
    assert.deepEqual(
      rows.map((r) => r.slice(0, 2)),
      [
        ['alice@example.com', 'Alice Liddell'],
        ['bob@example.com', 'bob'],
      ],
    );
    assert.match(rows[0]![2]!, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const passwd = await cli(['user', 'passwd', 'bob@example.com', '--password', 'new-bob', '--data', data]);
    assert.equal(passwd.code, 0);
    assert.equal(passwd.stdout, 'password changed for bob@example.com\n');
    const remove = await cli(['user', 'remove', 'BOB@example.com', '--data', data]);
    assert.equal(remove.code, 0);
    assert.equal(remove.stdout, 'removed bob@example.com\n');
    assert.equal((await cli(['user', 'list', '--data', data])).stdout.split('\n').filter(Boolean).length, 1);
  });

  it('prints a generated password that then authenticates, also for passwd', async () => {
    freshData();
    const add = await cli(['user', 'add', 'carol@example.com', '--data', data]);
    assert.equal(add.code, 0);
    const password = /^added carol@example\.com with password (\S+)\n$/.exec(add.stdout)?.[1];
    assert.ok(password, add.stdout);
    const server = await start(['--port', '0', '--data', data]);
    assert.equal(await authStatus(server.url, 'carol@example.com', password), 200);
    const passwd = await cli(['user', 'passwd', 'carol@example.com', '--data', data]);
    const second = /^new password for carol@example\.com: (\S+)\n$/.exec(passwd.stdout)?.[1];
    assert.ok(second, passwd.stdout);
    assert.equal(await authStatus(server.url, 'carol@example.com', second), 200);
    assert.equal(await authStatus(server.url, 'carol@example.com', password), 401);
  });

  it('refuses bad input with one line and a non-zero exit', async () => {
    freshData();
    assert.equal((await cli(['user', 'add', 'dave@example.com', '--password', 'x', '--data', data])).code, 0);
    assertOneLineError(await cli(['user', 'add', 'not-an-address', '--data', data]), /invalid e-mail address: not-an-address/);
    assertOneLineError(await cli(['user', 'add', 'a@b@c', '--data', data]), /invalid e-mail address/);
    assertOneLineError(await cli(['user', 'add', 'DAVE@example.com', '--password', 'y', '--data', data]), /user dave@example\.com already exists/);
    assertOneLineError(await cli(['user', 'add', 'erin@example.com', '--password', '', '--data', data]), /must not be empty/);
    assertOneLineError(await cli(['user', 'remove', 'nobody@example.com', '--data', data]), /no user nobody@example\.com/);
    assertOneLineError(await cli(['user', 'passwd', 'nobody@example.com', '--password', 'z', '--data', data]), /no user nobody@example\.com/);
    assertOneLineError(await cli(['user', 'add']), /missing required argument 'email'/);
    assertOneLineError(await cli(['user', 'frobnicate']), /unknown command 'frobnicate'/);
    assertOneLineError(await cli(['user', 'add', 'erin@example.com', '--name', ' ', '--data', data]), /display name must not be empty/);
    assertOneLineError(await cli(['serve', '--port', '70000', '--data', data]), /invalid port: 70000/);
    assertOneLineError(await cli(['serve', '--data', data], { EWSD_PORT: '' }), /invalid port:$/);
    assertOneLineError(await cli(['serve', '--port', '80x', '--data', data]), /invalid port: 80x/);
    assertOneLineError(await cli(['serve', '--port', '0', '--log-level', 'loud', '--data', data]), /invalid log level: loud/);
    assertOneLineError(await cli(['serve', '--port', '0', '--max-body', 'lots', '--data', data]), /invalid size: lots/);
  });

  it('refuses an unusable data directory with one line', async () => {
    // As root, chmod cannot make a directory unwritable; a path below a regular file can never be one.
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'not a directory');
    const under = join(file, 'data');
    assertOneLineError(await cli(['user', 'add', 'x@example.com', '--password', 'x', '--data', under]), /data directory .* is not a directory/);
    assertOneLineError(await cli(['user', 'list', '--data', under]), /is not a directory/);
    assertOneLineError(await cli(['serve', '--port', '0', '--data', under]), /data directory .* is not a directory/);
    freshData();
    assert.equal((await cli(['user', 'list', '--data', data])).code, 0);
    writeFileSync(join(data, 'ewsd.sqlite'), 'x'.repeat(4096));
    assertOneLineError(await cli(['user', 'list', '--data', data]), /is not an ewsd store/);
  });

  it('refuses a port in use with one line', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      assertOneLineError(await cli(['serve', '--port', String(port), '--data', freshData()]), new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
    } finally {
      blocker.close();
    }
  });

  it('prints the endpoint and how to add a user when it starts', async () => {
    const server = await start(['--port', '0', '--data', freshData()]);
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/EWS\/Exchange\.asmx$/);
    assert.match(server.stderr(), new RegExp(`add a user with: npx ewsd user add \\S+ --data ${data.replace(/[/.]/g, '\\$&')}`));
    assert.ok(existsSync(join(data, 'ewsd.sqlite')), 'the store is created on first start');
  });

  it('reads its settings from EWSD_DATA, EWSD_PORT, EWSD_HOST and EWSD_LOG_LEVEL', async () => {
    freshData();
    assert.equal((await cli(['user', 'add', 'frank@example.com', '--password', 'pw'], { EWSD_DATA: data })).code, 0);
    assert.match((await cli(['user', 'list', '--data', data])).stdout, /frank@example\.com/);
    const server = await start([], { EWSD_DATA: data, EWSD_PORT: '0', EWSD_HOST: '127.0.0.1', EWSD_LOG_LEVEL: 'debug' });
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\//);
    const alice = { email: 'frank@example.com', password: 'pw' };
    assert.deepEqual(outcomes((await post(server.url, alice, GET_INBOX)).body), [['Success', 'NoError']]);
    await server.waitFor('stdout', /"msg":"request received"/);
    // The same data directory through the option and a different log level through the variable.
    const quiet = await start(['--port', '0', '--data', data], { EWSD_LOG_LEVEL: 'warn' });
    await post(quiet.url, alice, GET_INBOX);
    await rawRequest(quiet.url, { method: 'GET' });
    assert.equal(quiet.stdout(), '', 'no info lines at level warn');
  });

  it('--log-level sets verbosity', async () => {
    freshData();
    await cli(['user', 'add', 'gina@example.com', '--password', 'pw', '--data', data]);
    const server = await start(['--port', '0', '--data', data, '--log-level', 'info']);
    await post(server.url, { email: 'gina@example.com', password: 'pw' }, GET_INBOX);
    const line = await server.waitFor('stdout', /^.*"msg":"request".*$/m);
    assert.doesNotMatch(server.stdout(), /request received/, 'debug lines stay out at info');
    assert.equal(JSON.parse(line[0]).operation, 'GetFolder');
  });

  it('manages users while the server runs on the same data directory', async () => {
    freshData();
    const server = await start(['--port', '0', '--data', data]);
    assert.equal(await authStatus(server.url, 'hank@example.com', 'pw'), 401);
    assert.equal((await cli(['user', 'add', 'hank@example.com', '--password', 'pw', '--data', data])).code, 0);
    assert.equal(await authStatus(server.url, 'hank@example.com', 'pw'), 200);
    assert.deepEqual(outcomes((await post(server.url, { email: 'hank@example.com', password: 'pw' }, GET_INBOX)).body), [['Success', 'NoError']]);
    assert.match((await cli(['user', 'list', '--data', data])).stdout, /hank@example\.com/);
    assert.equal((await cli(['user', 'remove', 'hank@example.com', '--data', data])).code, 0);
    assert.equal(await authStatus(server.url, 'hank@example.com', 'pw'), 401);
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`on ${signal} stops accepting, finishes the request in flight, closes the store and exits 0`, async () => {
      freshData();
      await cli(['user', 'add', 'ivy@example.com', '--password', 'pw', '--data', data]);
      const server = await start(['--port', '0', '--data', data, '--log-level', 'debug']);
      const ivy = { email: 'ivy@example.com', password: 'pw' };
      const url = new URL(server.url);
      const xml = envelope(GET_INBOX);
      const half = xml.length >> 1;
      // A request whose body is only half sent when the signal arrives.
      let status = 0;
      let answer = '';
      const req = request({ host: url.hostname, port: url.port, method: 'POST', path: url.pathname, headers: { Authorization: basicAuth(ivy) } });
      const answered = new Promise<void>((resolve, reject) => {
        req.on('response', (res) => {
          status = res.statusCode ?? 0;
          res.setEncoding('utf8').on('data', (c: string) => (answer += c));
          res.on('end', resolve);
        });
        req.on('error', reject);
      });
      req.write(xml.slice(0, half));
      await server.waitFor('stdout', /"msg":"request received"/);

      server.child.kill(signal);
      await server.waitFor('stderr', new RegExp(`${signal}, finishing in-flight requests`));
      await assert.rejects(rawRequest(server.url, { method: 'GET' }), /ECONNREFUSED/, 'no new connections');

      req.end(xml.slice(half));
      await answered;
      assert.equal(status, 200);
      assert.match(answer, /ResponseClass="Success"/);
      assert.equal(await server.exited, 0);
      assert.match(server.stderr(), /ewsd: stopped/);
      // A cleanly closed SQLite database in WAL mode checkpoints and removes its -wal file.
      assert.equal(existsSync(join(data, 'ewsd.sqlite-wal')), false);
    });
  }
});
