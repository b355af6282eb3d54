#!/bin/bash
# Times API reads against a running server: http.sh PORT
P=$1; H="Authorization: Bearer ${TOMADA_API_TOKEN:?set TOMADA_API_TOKEN to the administrator token of the node}"
t() { curl -s -o /dev/null -w "%{http_code} %{time_total}s %{size_download}B  $1\n" -H "$H" "http://127.0.0.1:$P$1"; }
for u in /health /metrics /api/v1/charge-points /api/v1/charge-points/CP01234 "/api/v1/transactions?limit=200" "/api/v1/transactions?chargePointId=CP01234&limit=8" \
  "/api/v1/transactions?active=true&limit=200" "/api/v1/transactions?operator=OP01&limit=200" \
  "/api/v1/transactions?from=2025-04-09T00:00:00Z&to=2025-04-10T00:00:00Z&limit=200" \
  "/api/v1/transactions?from=2025-01-01T00:00:00Z&to=2025-02-01T00:00:00Z&limit=200" \
  "/api/v1/transactions?from=2025-01-01T00:00:00Z&to=2025-04-12T00:00:00Z&limit=200" \
  /api/v1/transactions/1234567 /api/v1/transactions/1234567/energy "/api/v1/events?limit=200" "/api/v1/events?type=stopForUnknownTransaction&limit=200" \
  "/api/v1/events?chargePointId=CP01234&limit=200" "/api/v1/charge-points/CP01234/frames?limit=50" "/api/v1/validations?limit=100" \
  "/api/v1/exports/sessions?operator=OPSMALL" "/api/v1/exports/sessions?from=2025-03-01T00:00:00Z&to=2025-03-02T00:00:00Z"; do t "$u"; done
