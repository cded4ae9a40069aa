import { after, before } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '../../src/auth/password.js';
import { createLogger, type Logger } from '../../src/log.js';
import { startServer, type RunningServer, type ServerConfig } from '../../src/server.js';

export interface TestUser {
  email: string;
  password: string;
}

export interface TestServer extends RunningServer {
  dataDir: string;
  /** Creates a user directly in the store. */
  addUser(email: string, password?: string, displayName?: string): Promise<TestUser>;
  /** Stops the server and removes its data directory. */
  stop(): Promise<void>;
}

/** What a test may set besides the defaults (SMTP stays off unless `smtp` is given). */
export type TestServerOptions = Partial<Pick<ServerConfig, 'maxBodyBytes' | 'smtp' | 'relay' | 'retry' | 'outboundPollMs' | 'localDelivery'>>;

/** A real ewsd on a fresh data directory and a free loopback port. */
export async function startTestServer(options: TestServerOptions & { log?: Logger } = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ewsd-test-'));
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    ...options,
    log: options.log ?? createLogger(process.env.EWSD_TEST_LOG ?? 'silent'),
  });
  return {
    ...server,
    dataDir,
    async addUser(email, password = 'secret-' + email, displayName = email.split('@')[0]!) {
      await server.store.createAccount({ email, displayName, passwordHash: await hashPassword(password) });
      return { email, password };
    },
    async stop() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A server with the given users (`<name>@example.com`) for the tests of one describe block:
 * started before them, stopped after them. Tests read `env.server` and `env.users.<name>`.
 */
export function useTestServer<const N extends string>(...names: N[]): { readonly server: TestServer; readonly users: Readonly<Record<N, TestUser>> } {
  const env = { server: undefined as unknown as TestServer, users: {} as Record<N, TestUser> };
  before(async () => {
    env.server = await startTestServer();
    for (const name of names) env.users[name] = await env.server.addUser(`${name}@example.com`);
  });
  after(() => env.server.stop());
  return env;
}
