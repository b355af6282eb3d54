// Sessions written straight into a migrated SQLite file, for the benches of a network's history:
// millions of them in seconds, where storing each through the store would take hours.
import BetterSqlite3 from 'better-sqlite3';

export interface SessionColumns {
  /** SQL expressions over k, the session's number (0 … count − 1). */
  idTag: string;
  startedAt: string;
  stoppedAt: string;
  /** What the SELECT reads from: `n` (the numbers k) unless given, e.g. a subquery over n adding columns. */
  from?: string;
  /** Bound to the expressions' `?`, in the order they appear: idTag, startedAt, stoppedAt, from. */
  params?: unknown[];
}

/**
 * Charge point CP-1 and `count` sessions on its connector 1, session k with meterStart k Wh and the
 * id tag, start and stop `columns` make. With `analyze`, SQLite's statistics are gathered after.
 */
export function writeSessions(sqlitePath: string, count: number, columns: SessionColumns, analyze = false): void {
  const file = new BetterSqlite3(sqlitePath);
  try {
    file.exec(`INSERT INTO charge_points (id, registration_status, created_at) VALUES ('CP-1', 'Accepted', '2025-01-01T00:00:00.000Z')`);
    file
      .prepare(
        `INSERT INTO transactions (charge_point_id, connector_id, id_tag, id_tag_status, started_at, stopped_at, meter_start_wh, energy_source)
         WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k < ?)
         SELECT 'CP-1', 1, ${columns.idTag}, 'Accepted', ${columns.startedAt}, ${columns.stoppedAt}, k, 'none' FROM ${columns.from ?? 'n'}`,
      )
      .run(count - 1, ...(columns.params ?? []));
    if (analyze) file.exec('ANALYZE');
  } finally {
    file.close();
  }
}
