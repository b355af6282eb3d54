// Prints results as a table and keeps them as JSON under bench/results/ (the figures that
// docs/PERFORMANCE.md quotes come from these files).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './servers.js';

export type Row = Record<string, string | number | undefined>;

export function printTable(title: string, rows: Row[]): void {
  if (rows.length === 0) return;
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cell = (value: string | number | undefined) =>
    value === undefined ? '' : typeof value === 'number' ? (Number.isInteger(value) ? String(value) : value.toFixed(2)) : value;
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join('  ');
  console.log(`\n${title}`);
  console.log(line(columns));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(columns.map((c) => cell(row[c]))));
}

export function saveResult(scenario: string, data: unknown): string {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${scenario}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  // Flags the Tomada processes ran with (--node-args) belong to the figures.
  const nodeArgs = process.env.TOMADA_BENCH_NODE_ARGS;
  const kept = nodeArgs && typeof data === 'object' && data !== null ? { ...data, nodeArgs } : data;
  writeFileSync(file, `${JSON.stringify(kept, null, 2)}\n`);
  console.log(`\nresults: ${file}`);
  return file;
}

export const log = (message: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
