// A national network's charge points for the dashboard benches: `count` registered charge points
// (two connectors each, one operator), written straight into a node's SQLite file, as registering
// 13,000 through the API would take minutes.
import BetterSqlite3 from 'better-sqlite3';

export function registerNetwork(dbPath: string, count: number): void {
  const db = new BetterSqlite3(dbPath);
  db.exec(`
    INSERT INTO operators (id, name, kind, created_at) VALUES ('BENCH', 'Bench operator', 'OPC', '2026-01-01T00:00:00.000Z');
    INSERT INTO charge_points (id, registration_status, operator, connection, lenient, vendor, model, firmware_version,
        ocpp_version, transport, security_profile, allowed_sources, last_seen_at, last_boot_at, created_at)
      WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k < ${count - 1})
      SELECT 'NET' || printf('%05d', k), 'Accepted', 'BENCH', 'direct', 0, 'Vendor' || (k % 5), 'Model' || (k % 7),
        '1.0.' || (k % 3), '1.6', 'json', 0, '[]', '2026-01-02T00:00:00.000Z', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'
      FROM n;
    INSERT INTO connectors (charge_point_id, connector_id, status, error_code, info, updated_at, reported_at)
      SELECT id, c.k, 'Available', 'NoError', NULL, '2026-01-02T00:00:00.000Z', '2026-01-02T00:00:00.000Z'
      FROM charge_points, (SELECT 1 AS k UNION ALL SELECT 2) c;`);
  db.close();
}
