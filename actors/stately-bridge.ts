/**
 * A bridge to the Stately inspector (`@statelyai/inspect`, the XState 5 successor of
 * @xstate/inspect) for users who prefer it to sipstate's own visualizer. Optional: the package is
 * an optional dependency, loaded only when the bridge is opened, and nothing here needs the
 * internet — point `url` at a local inspector server (`@statelyai/inspect/server`'s
 * createInspectorServer, or any WebSocket receiver).
 *
 * Every inspected actor's events go through the inspection hub's tap; contexts and events are
 * redacted with the same rules as the visualizer's (actors/redact.ts) before they leave.
 */
import type { InspectionEvent } from 'xstate';
import { inspectionHub } from './inspection.js';
import { redact } from './redact.js';

export interface StatelyBridge {
  stop(): void;
}

export class StatelyBridgeError extends Error {
  override readonly name = 'StatelyBridgeError';
}

/** Send every actor's inspection events to the Stately inspector listening at `url` (ws://...). */
export async function connectStatelyInspector(options: { url: string }): Promise<StatelyBridge> {
  let mod: typeof import('@statelyai/inspect');
  try {
    mod = await import('@statelyai/inspect');
  } catch (e) {
    throw new StatelyBridgeError(`@statelyai/inspect is not installed (it is optional: npm install @statelyai/inspect): ${(e as Error).message}`);
  }
  const inspector = mod.createWebSocketInspector({
    url: options.url,
    sanitizeContext: (context) => redact(context) as typeof context,
    sanitizeEvent: (event) => redact(event) as typeof event,
    // A machine's definition carries its initial context literally (a default password...).
    serialize: (event) => {
      const e = event as { definition?: unknown };
      if (typeof e.definition !== 'string') return event;
      try {
        return { ...event, definition: JSON.stringify(redact(JSON.parse(e.definition))) } as typeof event;
      } catch {
        return { ...event, definition: '{}' } as typeof event;
      }
    },
  });
  const observer = inspector.inspect;
  const forward = (e: InspectionEvent) => {
    if (typeof observer === 'function') (observer as (e: InspectionEvent) => void)(e);
    else observer.next?.(e);
  };
  const untap = inspectionHub.tap(forward);
  const unlisten = inspectionHub.listen(() => {});
  return {
    stop() {
      untap();
      unlisten();
      inspector.stop();
    },
  };
}
