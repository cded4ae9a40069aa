import type { Statement } from 'better-sqlite3';
import type { DelegateGrant, Delegation } from '../../domain/delegate.js';

/** Schema of delegation (migration step 12). Frozen once released: change it with a new step. */
export const DELEGATES_SCHEMA = `
  CREATE TABLE delegates (
    principal_id   INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    delegate_id    INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    folders        TEXT NOT NULL,               -- JSON array of distinguished folder ids
    send_on_behalf INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (principal_id, delegate_id)
  ) WITHOUT ROWID;
  CREATE INDEX delegates_by_delegate ON delegates(delegate_id);
`;

interface GrantRow {
  folders: string;
  send_on_behalf: number;
}

const toGrant = (r: GrantRow): DelegateGrant => ({ folders: JSON.parse(r.folders) as string[], sendOnBehalf: r.send_on_behalf === 1 });

/** The delegates table's SQL. */
export class DelegateQueries {
  constructor(private readonly sql: (text: string) => Statement) {}

  set(principalId: number, delegateId: number, grant: DelegateGrant): void {
    this.sql(
      `INSERT INTO delegates (principal_id, delegate_id, folders, send_on_behalf, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (principal_id, delegate_id) DO UPDATE SET folders = excluded.folders, send_on_behalf = excluded.send_on_behalf`,
    ).run(principalId, delegateId, JSON.stringify(grant.folders), grant.sendOnBehalf ? 1 : 0, Date.now());
  }

  remove(principalId: number, delegateId: number): boolean {
    return this.sql('DELETE FROM delegates WHERE principal_id = ? AND delegate_id = ?').run(principalId, delegateId).changes > 0;
  }

  grant(principalId: number, delegateId: number): DelegateGrant | undefined {
    const row = this.sql('SELECT folders, send_on_behalf FROM delegates WHERE principal_id = ? AND delegate_id = ?').get(principalId, delegateId) as GrantRow | undefined;
    return row && toGrant(row);
  }

  list(principalId: number | undefined): Delegation[] {
    const rows = this.sql(
      `SELECT p.email AS principal, d.email AS delegate, g.folders, g.send_on_behalf FROM delegates g
       JOIN mailboxes p ON p.id = g.principal_id JOIN mailboxes d ON d.id = g.delegate_id
       WHERE ? IS NULL OR g.principal_id = ? ORDER BY p.email, d.email`,
    ).all(principalId ?? null, principalId ?? null) as Array<GrantRow & { principal: string; delegate: string }>;
    return rows.map((r) => ({ principal: r.principal, delegate: r.delegate, ...toGrant(r) }));
  }
}
