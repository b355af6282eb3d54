.bail on
-- Generated history for Tomada at a national network's scale (SQLite). Parameters:
--   13,000 charge points, 26,000 connectors, 200,000 id tags, 40 operators,
--   2,500,000 transactions over 100 days from 2025-01-01 (the last 1,000 running),
--   15,000,000 meter samples (6 per transaction), 1,000,000 events, 5,000,000 status history rows.
.timer on
PRAGMA journal_mode = WAL;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -1000000;
PRAGMA temp_store = MEMORY;
CREATE TEMP TABLE saved_indexes AS SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL
  AND tbl_name IN ('transactions','meter_samples','events','connector_status_history');
SELECT 'drop ' || name FROM saved_indexes;
DROP INDEX transactions_start_key; DROP INDEX transactions_started_at; DROP INDEX transactions_active; DROP INDEX transactions_running_id_tag;
DROP INDEX meter_samples_transaction; DROP INDEX meter_samples_signed_identity; DROP INDEX events_cp; DROP INDEX connector_status_history_cp;
BEGIN;
INSERT INTO operators (id, name, kind, created_at)
  WITH RECURSIVE s(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM s WHERE k < 38)
  SELECT 'OP' || printf('%02d', k + 1), 'Operator ' || (k + 1), CASE WHEN k % 5 = 4 THEN 'DPC' ELSE 'OPC' END, '2024-06-01T00:00:00.000Z' FROM s;
INSERT INTO operators VALUES ('OPSMALL', 'Small operator', 'DPC', '2024-06-01T00:00:00.000Z');
INSERT INTO charge_points (id, registration_status, operator, connection, lenient, vendor, model, firmware_version, ocpp_version, transport,
    security_profile, allowed_sources, last_seen_at, last_boot_at, created_at)
  WITH RECURSIVE s(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM s WHERE k < 12999)
  SELECT 'CP' || printf('%05d', k), 'Accepted',
    CASE WHEN k < 5 THEN 'OPSMALL' WHEN k < 4005 THEN 'OP01' ELSE 'OP' || printf('%02d', 2 + k % 38) END,
    'direct', 0, 'Vendor' || (k % 5), 'Model' || (k % 7), '1.0.' || (k % 3), CASE WHEN k % 10 = 0 THEN '1.5' ELSE '1.6' END,
    CASE WHEN k % 20 = 0 THEN 'soap' ELSE 'json' END, 0, '[]', '2025-04-11T00:00:00.000Z', '2025-04-01T00:00:00.000Z', '2024-06-01T00:00:00.000Z' FROM s;
INSERT INTO connectors (charge_point_id, connector_id, status, error_code, info, updated_at, reported_at)
  SELECT id, c.n, CASE WHEN (CAST(substr(id, 3) AS INTEGER) + c.n) % 4 = 0 THEN 'Charging' ELSE 'Available' END, 'NoError', NULL, '2025-04-10T00:00:00.000Z', '2025-04-10T00:00:00.000Z'
  FROM charge_points, (SELECT 1 AS n UNION ALL SELECT 2) c;
INSERT INTO id_tags (id_tag_key, id_tag, status, expiry_date, parent_id_tag, operator)
  WITH RECURSIVE s(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM s WHERE k < 199999)
  SELECT 'TAG' || printf('%06d', k), 'TAG' || printf('%06d', k), 'Accepted', NULL, NULL, NULL FROM s;
-- 1 transaction every 3.456 s for 100 days; 30 to 120 minutes each.
INSERT INTO transactions (id, charge_point_id, connector_id, id_tag, id_tag_status, started_at, stopped_at, meter_start_wh, meter_stop_wh, energy_wh,
    energy_source, stop_reason, stop_id_tag, anomalies, reservation_id, signed_meter_status, signed_meter_reason, energy_tail)
  WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 2500000),
  t AS (SELECT i, 1735689600 + i * 3.456 AS st, 1800 + (i * 7) % 5400 AS d, (i * 37) % 1000000 * 10 AS m0, 5000 + (i * 13) % 40000 AS e, i > 2499000 AS running FROM s)
  SELECT i, 'CP' || printf('%05d', (i * 7919) % 13000), 1 + (i / 13000) % 2, 'TAG' || printf('%06d', (i * 104729) % 200000), 'Accepted',
    strftime('%Y-%m-%dT%H:%M:%fZ', st, 'unixepoch'),
    CASE WHEN running THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%fZ', st + d, 'unixepoch') END,
    m0, CASE WHEN running THEN NULL ELSE m0 + e END, CASE WHEN running THEN e / 2 ELSE e END,
    'register', CASE WHEN running THEN NULL ELSE 'Local' END, NULL, '[]', NULL, 'absent', NULL,
    CASE WHEN running THEN '{"lastRegister":{"at":"' || strftime('%Y-%m-%dT%H:%M:%fZ', st + 1800, 'unixepoch') || '","wh":' || (m0 + e / 2) || '}}' ELSE NULL END
  FROM t;
COMMIT;
BEGIN;
-- 6 samples per transaction (3 times x energy register + power), interleaved across 200 transactions as live traffic would be.
INSERT INTO meter_samples (id, charge_point_id, connector_id, transaction_id, timestamp, value, measurand, unit, context, format, location, phase, dedupe_key, signed_identity)
  WITH RECURSIVE s(r) AS (SELECT 0 UNION ALL SELECT r + 1 FROM s WHERE r < 14999999),
  p AS (SELECT r, (r / 1200) * 200 + (r % 1200) % 200 + 1 AS i, (r % 1200) / 200 AS k FROM s),
  q AS (SELECT r, i, k, 1735689600 + i * 3.456 + 600 * (1 + k / 2) AS at, (i * 37) % 1000000 * 10 AS m0, 5000 + (i * 13) % 40000 AS e FROM p)
  SELECT r + 1, 'CP' || printf('%05d', (i * 7919) % 13000), 1 + (i / 13000) % 2, i, strftime('%Y-%m-%dT%H:%M:%fZ', at, 'unixepoch'),
    CASE WHEN k % 2 = 0 THEN CAST(m0 + e * (1 + k / 2) / 4 AS TEXT) ELSE '7400' END,
    CASE WHEN k % 2 = 0 THEN 'Energy.Active.Import.Register' ELSE 'Power.Active.Import' END,
    CASE WHEN k % 2 = 0 THEN 'Wh' ELSE 'W' END, 'Sample.Periodic', 'Raw', 'Outlet', NULL,
    strftime('%Y-%m-%dT%H:%M:%fZ', at, 'unixepoch') || '|gen' || r, CASE WHEN i % 1000 = 0 AND k = 1 THEN 'sig' || i ELSE NULL END
  FROM q;
COMMIT;
BEGIN;
INSERT INTO events (id, at, charge_point_id, type, data)
  WITH RECURSIVE s(r) AS (SELECT 1 UNION ALL SELECT r + 1 FROM s WHERE r < 1000000)
  SELECT r, strftime('%Y-%m-%dT%H:%M:%fZ', 1735689600 + r * 8.64, 'unixepoch'), 'CP' || printf('%05d', (r * 7907) % 13000),
    CASE WHEN r % 1000 = 0 THEN 'stopForUnknownTransaction' WHEN r % 100 < 60 THEN 'firmwareChanged' WHEN r % 100 < 90 THEN 'ocppVersionMismatch' ELSE 'unvalidatedSoftware' END,
    '{"from":"1.0.1","to":"1.0.2"}' FROM s;
INSERT INTO connector_status_history (id, charge_point_id, connector_id, status, error_code, info, vendor_id, vendor_error_code, reported_at, received_at)
  WITH RECURSIVE s(r) AS (SELECT 1 UNION ALL SELECT r + 1 FROM s WHERE r < 5000000)
  SELECT r, 'CP' || printf('%05d', (r * 7919) % 13000), 1 + r % 2,
    CASE r % 5 WHEN 0 THEN 'Available' WHEN 1 THEN 'Preparing' WHEN 2 THEN 'Charging' WHEN 3 THEN 'SuspendedEV' ELSE 'Finishing' END, 'NoError', NULL, NULL, NULL,
    strftime('%Y-%m-%dT%H:%M:%fZ', 1735689600 + r * 1.728, 'unixepoch'), strftime('%Y-%m-%dT%H:%M:%fZ', 1735689600 + r * 1.728, 'unixepoch') FROM s;
COMMIT;
-- Recreate the indexes exactly as the migrations made them.
CREATE UNIQUE INDEX "transactions_start_key" on "transactions" ("charge_point_id", "connector_id", "id_tag", "started_at", "meter_start_wh");
CREATE INDEX "transactions_started_at" on "transactions" ("started_at");
CREATE INDEX "transactions_active" on "transactions" ("charge_point_id", "stopped_at");
CREATE INDEX "transactions_running_id_tag" on "transactions" (upper(id_tag)) where "stopped_at" is null;
CREATE INDEX "meter_samples_transaction" on "meter_samples" ("transaction_id", "id");
CREATE INDEX "meter_samples_signed_identity" on "meter_samples" ("signed_identity") where "signed_identity" is not null;
CREATE INDEX "events_cp" on "events" ("charge_point_id", "id");
CREATE INDEX "connector_status_history_cp" on "connector_status_history" ("charge_point_id", "connector_id", "id");
SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND name NOT IN (SELECT name FROM temp.saved_indexes);
SELECT s.name FROM temp.saved_indexes s LEFT JOIN sqlite_master m ON m.name = s.name AND m.sql = s.sql WHERE m.name IS NULL;
-- no ANALYZE: Tomada never runs it, so production SQLite plans without sqlite_stat1
PRAGMA wal_checkpoint(TRUNCATE);
