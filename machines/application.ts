/**
 * SIPApplication's lifecycle (Middleware API §2; known issues R-APP-1, R-APP-2, R-ACC-3).
 *
 *   stopped ──start──▶ starting.configuring ──configured──▶ starting.components ──started──▶ running
 *      ▲                    │ failed                              │ failed                      │ stop
 *      └────────────────────┴─────────────────────────────────────┘                             ▼
 *      └──────────────────────── stopped ◀── ended / Timer shutdownGrace ── stopping ◀──────────┘
 *
 * - §2 start(): "If an error occurs while loading the configuration, the exception ... is
 *   propagated, and the SIPApplication can be started again" — and R-APP-2 extends that to any
 *   failure while starting: every failure returns to `stopped`, from which `start` works again.
 * - SIPApplicationWillStart is sent "just after the configuration has been loaded ... before any
 *   other component has been initialized"; SIPApplicationDidStart "when all the components have
 *   been initialized" (accounts may still be registering).
 * - §2 stop(): SIPApplicationWillEnd at once; SIPApplicationDidEnd "when all the components have
 *   been stopped. All components get reasonable time to shut down gracefully (for example for the
 *   account to unregister) ... The time limit is needed because otherwise the SIPApplication
 *   could hang indefinitely": the `shutdownGrace` delay ends `stopping` whatever is left.
 * - A stop while starting is remembered and carried out as soon as the start completes or fails,
 *   so start/stop never race (the python SDK's known issues come from such races).
 *
 * Pure: effects are named placeholder actions provided by the runtime; notifications are
 * emitted with the Middleware API names (the runtime forwards them to the NotificationCenter).
 */
import { assign, emit, setup } from 'xstate';

export interface ApplicationInput {
  /** How long components get to end gracefully before `stopping` gives up on them (ms). */
  shutdownGrace: number;
}

export interface ApplicationContext extends ApplicationInput {
  /** Why the last start failed, if it did. */
  error: string | undefined;
  /** A stop arrived while starting. */
  stopRequested: boolean;
}

export type ApplicationEvent =
  | { type: 'start' }
  | { type: 'configured' }
  | { type: 'started' }
  | { type: 'failed'; error: string }
  | { type: 'stop' }
  | { type: 'ended' };

export type ApplicationEmitted =
  | { type: 'SIPApplicationWillStart' }
  | { type: 'SIPApplicationDidStart' }
  | { type: 'SIPApplicationWillEnd' }
  | { type: 'SIPApplicationDidEnd' }
  | { type: 'SIPApplicationFailedToStart'; error: string };

export const application = setup({
  types: {} as {
    context: ApplicationContext;
    input: ApplicationInput;
    events: ApplicationEvent;
    emitted: ApplicationEmitted;
  },
  actions: {
    /** Load the configuration from the storage; the runtime answers `configured` or `failed`. */
    loadConfiguration: () => {},
    /** Start transports, engine, account manager, session manager; answer `started` or `failed`. */
    startComponents: () => {},
    /** Stop everything started so far (accounts unregister); answer `ended` when done. */
    stopComponents: () => {},
    /** Release whatever is still running after the grace period, and every observer (R-APP-1). */
    abandonComponents: () => {},
    rememberError: assign({ error: ({ event }) => (event.type === 'failed' ? event.error : undefined) }),
    clearError: assign({ error: undefined, stopRequested: false }),
    rememberStop: assign({ stopRequested: true }),
  },
  guards: {
    stopRequested: ({ context }) => context.stopRequested,
  },
  delays: {
    shutdownGrace: ({ context }) => context.shutdownGrace,
  },
}).createMachine({
  id: 'application',
  context: ({ input }) => ({ shutdownGrace: input.shutdownGrace, error: undefined, stopRequested: false }),
  initial: 'stopped',
  states: {
    stopped: {
      on: { start: { target: 'starting', actions: 'clearError' } },
    },
    starting: {
      initial: 'configuring',
      on: {
        // A start failure of any kind leaves the application startable again (R-APP-2); what was
        // started is stopped first.
        failed: { target: 'cleaningUp', actions: ['rememberError', emit(({ event }) => ({ type: 'SIPApplicationFailedToStart' as const, error: event.error }))] },
        stop: { actions: 'rememberStop' },
      },
      states: {
        configuring: {
          entry: 'loadConfiguration',
          on: { configured: { target: 'components', actions: emit({ type: 'SIPApplicationWillStart' }) } },
        },
        components: {
          entry: 'startComponents',
          on: {
            started: [
              { guard: 'stopRequested', target: '#application.stopping', actions: [emit({ type: 'SIPApplicationDidStart' }), emit({ type: 'SIPApplicationWillEnd' })] },
              { target: '#application.running', actions: emit({ type: 'SIPApplicationDidStart' }) },
            ],
          },
        },
      },
    },
    running: {
      on: { stop: { target: 'stopping', actions: emit({ type: 'SIPApplicationWillEnd' }) } },
    },
    stopping: {
      entry: 'stopComponents',
      after: { shutdownGrace: { target: 'stopped', actions: ['abandonComponents', emit({ type: 'SIPApplicationDidEnd' })] } },
      on: { ended: { target: 'stopped', actions: emit({ type: 'SIPApplicationDidEnd' }) } },
    },
    // Undo a partial start without the public end notifications (the start never completed).
    cleaningUp: {
      entry: 'stopComponents',
      after: { shutdownGrace: { target: 'stopped', actions: 'abandonComponents' } },
      on: { ended: 'stopped' },
    },
  },
});
