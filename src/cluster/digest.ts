// An order-free digest of a set of charge point ids: the XOR of each id's 32-bit FNV-1a hash.
// A node sends its count and digest in every heartbeat; another node that computes something
// else over what it believes that node holds asks for the full list (a missed announcement, a
// NATS outage, a restart), so views converge without resending whole lists every time.

export function idHash(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A set's digest kept up to date as ids come and go (XOR is its own inverse). */
export class SetDigest {
  count = 0;
  value = 0;

  add(id: string): void {
    this.count++;
    this.value = (this.value ^ idHash(id)) >>> 0;
  }

  remove(id: string): void {
    this.count--;
    this.value = (this.value ^ idHash(id)) >>> 0;
  }

  matches(count: number, value: number): boolean {
    return this.count === count && this.value === value;
  }
}
