// Loaded into the soak scenario's Tomada (with --expose-gc): every few seconds a full collection,
// then the heap's live size and the process's RSS appended to TOMADA_BENCH_HEAP_FILE, one line
// each (`ms heapUsed rss external`). What is still held after a full collection is what a leak
// would grow; without the collection the heap's size follows the collector's schedule instead.
import { appendFileSync } from 'node:fs';

const file = process.env.TOMADA_BENCH_HEAP_FILE;
const everyMs = Number(process.env.TOMADA_BENCH_HEAP_EVERY_MS ?? 5000);
if (file && typeof globalThis.gc === 'function') {
  setInterval(() => {
    globalThis.gc();
    const { heapUsed, rss, external } = process.memoryUsage();
    appendFileSync(file, `${Date.now()} ${heapUsed} ${rss} ${external}\n`);
  }, everyMs).unref();
}
