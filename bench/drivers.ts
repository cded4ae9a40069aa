import { EwsSession } from './clients/ews.js';
import { ImapSession } from './clients/imap.js';
import { DOVECOT_PASSWORD, type RunningDovecot } from './dovecot.js';
import type { RunningCanned } from './canned-ews.js';
import type { RunningEwsd } from './ewsd-process.js';
import type { ServerDriver } from './session.js';

const EWSD_PASSWORD = 'bench-password';

const EWS_BATCH = { store: 100, list: 50, fetch: 10, flag: 100, delete: 100, export: 10, upload: 10 };
// Well-formed base64 that names no item: a server that implements the operation answers a per-item error.
const EWS_PROBE_REF = Buffer.alloc(32).toString('base64');

/** ewsd over EWS: batches as a migration or sync client sends them. `record` hears every exchange (protocol floor). */
export function ewsdDriver(server: RunningEwsd, record?: (request: Buffer, answer: Buffer) => void): ServerDriver {
  return {
    name: 'ewsd',
    // Read when measured: a restart after the fill (--restart-after-fill) gives the server a new process.
    get pid() {
      return server.pid;
    },
    batch: EWS_BATCH,
    probeRef: EWS_PROBE_REF,
    prepareUser: (name) => server.addUser(name, EWSD_PASSWORD),
    open: async (user) => {
      const session = new EwsSession(server.url, user, EWSD_PASSWORD, record);
      await session.signIn();
      return session;
    },
  };
}

/** The EWS protocol floor: the same client and requests, answered with ewsd's recorded bytes (canned-ews.ts). */
export function cannedDriver(server: RunningCanned): ServerDriver {
  return {
    name: 'ews-floor',
    pid: server.pid,
    batch: EWS_BATCH,
    probeRef: EWS_PROBE_REF,
    prepareUser: async () => {},
    open: async (user) => new EwsSession(server.url, user, EWSD_PASSWORD),
  };
}

/** Dovecot over IMAP: APPEND carries one message; the other commands take a UID set of the same size as EWS's batch. */
export function dovecotDriver(server: RunningDovecot): ServerDriver {
  return {
    name: 'dovecot',
    pid: server.pid,
    batch: { store: 1, list: 50, fetch: 10, flag: 100, delete: 100, export: 0, upload: 0 },
    probeRef: '1',
    // The static passdb accepts any user name with the password; the mailbox appears on first login.
    prepareUser: async () => {},
    open: (user) => ImapSession.open(server.host, server.port, user, DOVECOT_PASSWORD),
  };
}
