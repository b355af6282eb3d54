// Summarises a V8 .cpuprofile (node --cpu-prof): the functions with the most self time, and the
// most inclusive time, as the PERFORMANCE document quotes them.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileLine {
  name: string;
  selfPercent: number;
  totalPercent: number;
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^.*\/(node_modules\/)/, '$1').replace(/^.*\/(dist|src)\//, '$1/').replace(/^node:/, '');
  return `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
}

export function topFunctions(path: string, limit = 25): { self: ProfileLine[]; total: ProfileLine[] } {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let all = 0;
  for (const [i, id] of profile.samples.entries()) {
    const dt = profile.timeDeltas[i] ?? 0;
    all += dt;
    const node = byId.get(id)!;
    const name = label(node);
    self.set(name, (self.get(name) ?? 0) + dt);
    // Inclusive: each distinct function on the stack once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = label(byId.get(cur)!);
      if (seen.has(n)) continue;
      seen.add(n);
      total.set(n, (total.get(n) ?? 0) + dt);
    }
  }
  const lines = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, t]) => ({ name, selfPercent: ((self.get(name) ?? 0) / all) * 100, totalPercent: ((total.get(name) ?? 0) / all) * 100 }));
  return { self: lines(self), total: lines(total) };
}

if (process.argv[1]?.endsWith('profile-top.ts')) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: profile-top.ts FILE.cpuprofile [N]');
  const { self, total } = topFunctions(file, Number(process.argv[3] ?? 25));
  console.log('self %  total %  function');
  for (const l of self) console.log(`${l.selfPercent.toFixed(1).padStart(6)}  ${l.totalPercent.toFixed(1).padStart(7)}  ${l.name}`);
  console.log('\nby inclusive time');
  for (const l of total) console.log(`${l.selfPercent.toFixed(1).padStart(6)}  ${l.totalPercent.toFixed(1).padStart(7)}  ${l.name}`);
}
