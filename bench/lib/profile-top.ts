// Summarises a V8 .cpuprofile (node --cpu-prof): the functions with the most self time, the most
// inclusive time, and the self time by layer (SQLite, each of Tomada's folders, each library,
// Node.js), as the PERFORMANCE document quotes them.
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

/**
 * Where a sample's own time belongs. better-sqlite3's native calls are charged by V8 to the
 * JavaScript function that made them, the statement cache's one-line wrappers `run` and `all`:
 * their self time is SQLite's own work.
 */
function layer(node: ProfileNode): string {
  const { functionName, url } = node.callFrame;
  if (/statement-cache\.[jt]s$/.test(url) && (functionName === 'run' || functionName === 'all')) return 'SQLite (better-sqlite3 statements, native)';
  if (functionName === '(idle)' || functionName === '(garbage collector)' || functionName === '(program)') return functionName;
  const library = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (library) return `library ${library[1]}`;
  const own = /\/(?:dist|src)\/([^/]+)\//.exec(url);
  if (own) return `Tomada ${own[1]}/`;
  if (url === '') return `native ${functionName}`;
  return 'Node.js internals';
}

function readProfile(path: string): { profile: CpuProfile; byId: Map<number, ProfileNode> } {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  return { profile, byId: new Map(profile.nodes.map((n) => [n.id, n])) };
}

/** Each sample's time under the key of the node it was taken in (its self time), and the total. */
function selfTime(profile: CpuProfile, byId: Map<number, ProfileNode>, key: (node: ProfileNode) => string): { time: Map<string, number>; all: number } {
  const time = new Map<string, number>();
  let all = 0;
  for (const [i, id] of profile.samples.entries()) {
    const dt = profile.timeDeltas[i] ?? 0;
    all += dt;
    const name = key(byId.get(id)!);
    time.set(name, (time.get(name) ?? 0) + dt);
  }
  return { time, all };
}

export function byLayer(path: string): { layer: string; selfPercent: number }[] {
  const { profile, byId } = readProfile(path);
  const { time, all } = selfTime(profile, byId, layer);
  return [...time.entries()].sort((a, b) => b[1] - a[1]).map(([name, t]) => ({ layer: name, selfPercent: (t / all) * 100 }));
}

export function topFunctions(path: string, limit = 25): { self: ProfileLine[]; total: ProfileLine[] } {
  const { profile, byId } = readProfile(path);
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const { time: self, all } = selfTime(profile, byId, label);
  const total = new Map<string, number>();
  for (const [i, id] of profile.samples.entries()) {
    const dt = profile.timeDeltas[i] ?? 0;
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
  console.log('\nself time by layer (0.5 % and more)');
  for (const l of byLayer(file).filter((l) => l.selfPercent >= 0.5)) console.log(`${l.selfPercent.toFixed(1).padStart(6)}  ${l.layer}`);
}
