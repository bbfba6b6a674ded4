/**
 * A stand-in for the inspection hub in the visualizer tests: replays an 'actor' message per live
 * actor on listen, then streams what the test emits.
 */
import type { InspectionMessage, InspectionSource } from '../../visualizer/server.js';

export class FakeSource implements InspectionSource {
  readonly listeners = new Set<(m: InspectionMessage) => void>();
  readonly live = new Map<string, Extract<InspectionMessage, { type: 'actor' }>>();
  /** How many times a listener subscribed. */
  listens = 0;

  listen(listener: (m: InspectionMessage) => void): () => void {
    this.listens++;
    for (const a of this.live.values()) listener(a);
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.listeners.size;
  }

  emit(m: InspectionMessage): void {
    if (m.type === 'actor') this.live.set(m.id, m);
    else if (m.type === 'snapshot') {
      const a = this.live.get(m.id);
      if (a) this.live.set(m.id, { ...a, value: m.value, context: m.context, status: m.status, at: m.at });
    } else if (m.type === 'stopped') this.live.delete(m.id);
    for (const l of [...this.listeners]) l(m);
  }

  snapshot(id: string, value: unknown, context: unknown = {}): void {
    this.emit({ type: 'snapshot', id, value, context, status: 'active', at: Date.now() });
  }

  event(id: string, event: { type: string; [k: string]: unknown }, source: string | null = null): void {
    this.emit({ type: 'event', id, event, source, at: Date.now() });
  }
}
