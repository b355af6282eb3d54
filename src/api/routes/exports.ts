// Session exports, CSV or JSON, streamed: rows are read a page at a time and written as they
// come, so an export of a year of a national network never sits whole in memory. The scope of
// the token applies as on every list: an operator exports its own sessions only.
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Domain } from '../../domain/index.js';
import type { Transaction } from '../../domain/model.js';
import { narrowOperator } from '../access.js';
import { csvLine } from '../csv.js';
import { periodOrBadRequest } from '../errors.js';
import { ErrorBody, OperatorRef } from '../schemas.js';

const ExportQuery = Type.Object(
  {
    format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('json')], { default: 'csv' })),
    operator: Type.Optional(OperatorRef),
    chargePointId: Type.Optional(Type.String()),
    // The start as the charge point reported it (startedAt): when it happened, which an offline
    // charger tells days late. When its StartTransaction arrived is kept by the journal alone.
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Sessions started at or after this instant, as the charge point reported the start (startedAt)' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Sessions started before this instant, as the charge point reported the start (startedAt)' })),
  },
  { additionalProperties: false },
);
type ExportQuery = Static<typeof ExportQuery>;

/** One exported session: its columns, in order (the CSV header is these names). */
function exportRow(tx: Transaction, operator: string | null) {
  return {
    id: tx.id,
    chargePointId: tx.chargePointId,
    operator,
    connectorId: tx.connectorId,
    idTag: tx.idTag,
    idTagStatus: tx.idTagStatus,
    startedAt: tx.startedAt,
    stoppedAt: tx.stoppedAt,
    meterStartWh: tx.meterStartWh,
    meterStopWh: tx.meterStopWh,
    energyWh: tx.energyWh,
    energySource: tx.energySource,
    stopReason: tx.stopReason,
    anomalies: tx.anomalies,
    signedMeterStatus: tx.signedMeterStatus,
    signedMeterReason: tx.signedMeterReason,
    // Added on 2026-12-06, after the columns before them, which keep their places.
    stopIdTag: tx.stopIdTag,
    reservationId: tx.reservationId,
  };
}
export const EXPORT_COLUMNS = Object.keys(exportRow({ anomalies: [] } as unknown as Transaction, null));

async function* csv(rows: AsyncIterable<ReturnType<typeof exportRow>>) {
  yield csvLine(EXPORT_COLUMNS);
  for await (const row of rows) yield csvLine(Object.values(row).map((v) => (Array.isArray(v) ? v.join(';') : v)));
}

async function* json(rows: AsyncIterable<ReturnType<typeof exportRow>>) {
  yield '[';
  let first = true;
  for await (const row of rows) {
    yield `${first ? '' : ','}\n${JSON.stringify(row)}`;
    first = false;
  }
  yield '\n]\n';
}

/** Each charge point's operator as the export begins (an administrator's export of the whole network). */
async function ownersAtStart(domain: Domain): Promise<(chargePointId: string) => string | null> {
  const owners = await domain.views.chargePointOwners();
  return (chargePointId) => owners.get(chargePointId) ?? null;
}

export async function exportRoutes(app: FastifyInstance, { domain }: { domain: Domain }) {
  app.get<{ Querystring: ExportQuery }>('/exports/sessions', {
    config: { access: { level: 'read' } },
    schema: {
      tags: ['exports'],
      summary: 'Export sessions as CSV (default) or JSON, oldest first (by start time), filtered by operator, charge point and period',
      querystring: ExportQuery,
      // Its errors are JSON, as every route's: only the export itself is CSV (or a JSON array).
      response: {
        200: {
          description: 'CSV with a header line (format=csv), or a JSON array of the same columns (format=json)',
          content: { 'text/csv': { schema: { type: 'string' } }, 'application/json': { schema: { type: 'array', items: { type: 'object' } } } },
        },
        400: ErrorBody,
      },
    },
    handler: async (request, reply) => {
      const q = request.query;
      const format = q.format ?? 'csv';
      const { from, to } = periodOrBadRequest(q.from, q.to);
      const operator = narrowOperator(request.scope, q.operator);
      // With an operator (the caller's own, or the one asked for), each page holds only the
      // sessions of charge points that operator holds when the page is read: the operator is
      // every row's owner. A map read before the rows could name a charge point's previous owner,
      // one moved while a long export streams, in another operator's file. Without one (an
      // administrator's whole network), each row names its owner as the export began.
      const ownerOf = operator === undefined ? await ownersAtStart(domain) : () => operator;
      async function* rows() {
        if (operator === null) return;
        for await (const tx of domain.views.allTransactions({ operator, chargePointId: q.chargePointId, from, to })) {
          yield exportRow(tx, ownerOf(tx.chargePointId));
        }
      }
      const stream = Readable.from(format === 'csv' ? csv(rows()) : json(rows()));
      stream.on('error', (error) => request.log.error({ err: error }, 'session export failed midway'));
      const stamp = new Date().toISOString().slice(0, 10);
      return reply
        .header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="sessions-${stamp}.${format}"`)
        .send(stream);
    },
  });
}
