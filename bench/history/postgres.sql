-- Same history as gen/sqlite.sql, in schema tomada_history (PostgreSQL).
\set ON_ERROR_STOP on
\timing on
SET search_path = tomada_history;
SET synchronous_commit = off;
SET maintenance_work_mem = '512MB';
CREATE TEMP TABLE saved_indexes AS SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'tomada_history'
  AND tablename IN ('transactions','meter_samples','events','connector_status_history') AND indexname NOT LIKE '%_pkey' AND indexname NOT LIKE '%_key';
SELECT * FROM saved_indexes;
DROP INDEX transactions_start_key, transactions_started_at, transactions_active, transactions_running_id_tag, meter_samples_transaction, meter_samples_signed_identity, events_cp, connector_status_history_cp;
CREATE FUNCTION pg_temp.iso(double precision) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT to_char(to_timestamp($1) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;
INSERT INTO operators (id, name, kind, created_at)
  SELECT 'OP' || lpad((k + 1)::text, 2, '0'), 'Operator ' || (k + 1), CASE WHEN k % 5 = 4 THEN 'DPC' ELSE 'OPC' END, '2024-06-01T00:00:00.000Z' FROM generate_series(0, 38) k;
INSERT INTO operators VALUES ('OPSMALL', 'Small operator', 'DPC', '2024-06-01T00:00:00.000Z');
INSERT INTO charge_points (id, registration_status, operator, connection, lenient, vendor, model, firmware_version, ocpp_version, transport,
    security_profile, allowed_sources, last_seen_at, last_boot_at, created_at)
  SELECT 'CP' || lpad(k::text, 5, '0'), 'Accepted',
    CASE WHEN k < 5 THEN 'OPSMALL' WHEN k < 4005 THEN 'OP01' ELSE 'OP' || lpad((2 + k % 38)::text, 2, '0') END,
    'direct', 0, 'Vendor' || (k % 5), 'Model' || (k % 7), '1.0.' || (k % 3), CASE WHEN k % 10 = 0 THEN '1.5' ELSE '1.6' END,
    CASE WHEN k % 20 = 0 THEN 'soap' ELSE 'json' END, 0, '[]', '2025-04-11T00:00:00.000Z', '2025-04-01T00:00:00.000Z', '2024-06-01T00:00:00.000Z'
  FROM generate_series(0, 12999) k;
INSERT INTO connectors (charge_point_id, connector_id, status, error_code, info, updated_at, reported_at)
  SELECT id, n, CASE WHEN (substr(id, 3)::int + n) % 4 = 0 THEN 'Charging' ELSE 'Available' END, 'NoError', NULL, '2025-04-10T00:00:00.000Z', '2025-04-10T00:00:00.000Z'
  FROM charge_points, generate_series(1, 2) n;
INSERT INTO id_tags (id_tag_key, id_tag, status, expiry_date, parent_id_tag, operator)
  SELECT 'TAG' || lpad(k::text, 6, '0'), 'TAG' || lpad(k::text, 6, '0'), 'Accepted', NULL, NULL, NULL FROM generate_series(0, 199999) k;
INSERT INTO transactions (id, charge_point_id, connector_id, id_tag, id_tag_status, started_at, stopped_at, meter_start_wh, meter_stop_wh, energy_wh,
    energy_source, stop_reason, stop_id_tag, anomalies, reservation_id, signed_meter_status, signed_meter_reason, energy_tail)
  SELECT i, 'CP' || lpad(((i * 7919) % 13000)::text, 5, '0'), 1 + (i / 13000) % 2, 'TAG' || lpad(((i * 104729) % 200000)::text, 6, '0'), 'Accepted',
    pg_temp.iso(st), CASE WHEN running THEN NULL ELSE pg_temp.iso(st + d) END,
    m0, CASE WHEN running THEN NULL ELSE m0 + e END, CASE WHEN running THEN e / 2 ELSE e END,
    'register', CASE WHEN running THEN NULL ELSE 'Local' END, NULL, '[]', NULL, 'absent', NULL,
    CASE WHEN running THEN '{"lastRegister":{"at":"' || pg_temp.iso(st + 1800) || '","wh":' || (m0 + e / 2) || '}}' ELSE NULL END
  FROM (SELECT i, 1735689600 + i * 3.456 AS st, 1800 + (i * 7) % 5400 AS d, (i * 37) % 1000000 * 10 AS m0, 5000 + (i * 13) % 40000 AS e, i > 2499000 AS running
        FROM generate_series(1::bigint, 2500000) i) t;
SELECT setval(pg_get_serial_sequence('transactions', 'id'), 2500000);
INSERT INTO meter_samples (id, charge_point_id, connector_id, transaction_id, timestamp, value, measurand, unit, context, format, location, phase, dedupe_key, signed_identity)
  SELECT r + 1, 'CP' || lpad(((i * 7919) % 13000)::text, 5, '0'), 1 + (i / 13000) % 2, i, pg_temp.iso(at),
    CASE WHEN k % 2 = 0 THEN (m0 + e * (1 + k / 2) / 4)::text ELSE '7400' END,
    CASE WHEN k % 2 = 0 THEN 'Energy.Active.Import.Register' ELSE 'Power.Active.Import' END,
    CASE WHEN k % 2 = 0 THEN 'Wh' ELSE 'W' END, 'Sample.Periodic', 'Raw', 'Outlet', NULL,
    pg_temp.iso(at) || '|gen' || r, CASE WHEN i % 1000 = 0 AND k = 1 THEN 'sig' || i ELSE NULL END
  FROM (SELECT r, i, k, 1735689600 + i * 3.456 + 600 * (1 + k / 2) AS at, (i * 37) % 1000000 * 10 AS m0, 5000 + (i * 13) % 40000 AS e
        FROM (SELECT r, (r / 1200) * 200 + (r % 1200) % 200 + 1 AS i, (r % 1200) / 200 AS k FROM generate_series(0::bigint, 14999999) r) p) q;
SELECT setval(pg_get_serial_sequence('meter_samples', 'id'), 15000000);
INSERT INTO events (id, at, charge_point_id, type, data)
  SELECT r, pg_temp.iso(1735689600 + r * 8.64), 'CP' || lpad(((r * 7907) % 13000)::text, 5, '0'),
    CASE WHEN r % 1000 = 0 THEN 'stopForUnknownTransaction' WHEN r % 100 < 60 THEN 'firmwareChanged' WHEN r % 100 < 90 THEN 'ocppVersionMismatch' ELSE 'unvalidatedSoftware' END,
    '{"from":"1.0.1","to":"1.0.2"}' FROM generate_series(1::bigint, 1000000) r;
SELECT setval(pg_get_serial_sequence('events', 'id'), 1000000);
INSERT INTO connector_status_history (id, charge_point_id, connector_id, status, error_code, info, vendor_id, vendor_error_code, reported_at, received_at)
  SELECT r, 'CP' || lpad(((r * 7919) % 13000)::text, 5, '0'), 1 + r % 2,
    CASE r % 5 WHEN 0 THEN 'Available' WHEN 1 THEN 'Preparing' WHEN 2 THEN 'Charging' WHEN 3 THEN 'SuspendedEV' ELSE 'Finishing' END, 'NoError', NULL, NULL, NULL,
    pg_temp.iso(1735689600 + r * 1.728), pg_temp.iso(1735689600 + r * 1.728) FROM generate_series(1::bigint, 5000000) r;
SELECT setval(pg_get_serial_sequence('connector_status_history', 'id'), 5000000);
CREATE UNIQUE INDEX "transactions_start_key" on "transactions" ("charge_point_id", "connector_id", "id_tag", "started_at", "meter_start_wh");
CREATE INDEX "transactions_started_at" on "transactions" ("started_at");
CREATE INDEX "transactions_active" on "transactions" ("charge_point_id", "stopped_at");
CREATE INDEX "transactions_running_id_tag" on "transactions" (upper(id_tag)) where "stopped_at" is null;
CREATE INDEX "meter_samples_transaction" on "meter_samples" ("transaction_id", "id");
CREATE INDEX "meter_samples_signed_identity" on "meter_samples" ("signed_identity") where "signed_identity" is not null;
CREATE INDEX "events_cp" on "events" ("charge_point_id", "id");
CREATE INDEX "connector_status_history_cp" on "connector_status_history" ("charge_point_id", "connector_id", "id");
SELECT s.indexname, s.indexdef, i.indexdef FROM saved_indexes s LEFT JOIN pg_indexes i ON i.schemaname = 'tomada_history' AND i.indexname = s.indexname WHERE i.indexdef IS DISTINCT FROM s.indexdef;
VACUUM ANALYZE operators, charge_points, connectors, id_tags, transactions, meter_samples, events, connector_status_history;
