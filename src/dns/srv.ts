/**
 * RFC 2782 target selection: SRV records sorted by priority, and within one priority
 * weighted-random by weight ("Usage rules"):
 *
 *   arrange all SRV RRs (that have not been ordered yet) in any order, except that all those
 *   with weight 0 are placed at the beginning of the list. Compute the sum of the weights of
 *   those RRs, and with each RR associate the running sum in the selected order. Then choose a
 *   uniform random number between 0 and the sum computed (inclusive), and select the RR whose
 *   running sum value is the first in the selected order which is greater than or equal to the
 *   random number selected.
 *
 * A single record whose target is "." means the service is decidedly not available there.
 */

/** The fields of an SRV record that ordering uses (node's `SrvRecord` has them). */
export interface SrvLike {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

/** Whether an SRV target is "." (service not available at this domain). */
export function isNullTarget(name: string): boolean {
  return name === '' || name === '.';
}

/**
 * The records in the order to try them: ascending priority, weighted-random within a priority.
 * `random` returns a number in [0, 1) (Math.random by default; injectable for tests).
 * Records with the "." target are dropped.
 */
export function orderSrvRecords<T extends SrvLike>(records: readonly T[], random: () => number = Math.random): T[] {
  const usable = records.filter((r) => !isNullTarget(r.name));
  const byPriority = new Map<number, T[]>();
  for (const r of usable) {
    const group = byPriority.get(r.priority);
    if (group) group.push(r);
    else byPriority.set(r.priority, [r]);
  }
  const out: T[] = [];
  for (const priority of [...byPriority.keys()].sort((a, b) => a - b)) {
    const group = byPriority.get(priority) as T[];
    // Weight 0 first, the others in the order the server gave.
    const remaining = [...group.filter((r) => r.weight === 0), ...group.filter((r) => r.weight !== 0)];
    while (remaining.length > 0) {
      let sum = 0;
      for (const r of remaining) sum += Math.max(0, r.weight);
      const pick = Math.min(sum, Math.floor(random() * (sum + 1)));
      let running = 0;
      let index = remaining.length - 1;
      for (let i = 0; i < remaining.length; i++) {
        running += Math.max(0, remaining[i].weight);
        if (running >= pick) {
          index = i;
          break;
        }
      }
      out.push(remaining[index]);
      remaining.splice(index, 1);
    }
  }
  return out;
}
