/**
 * Notifications, as the Middleware API names them (`SIPSessionDidStart`, `DNSLookupDidSucceed`,
 * ...), delivered as RxJS observables.
 *
 * One NotificationCenter carries them all on `notifications$`. Per-sender and per-name streams
 * are routed by a keyed lookup (a WeakMap / Map of Subjects), not by filtering the shared stream:
 * filtering costs every subscriber on every notification (design, "Measured constraints").
 *
 * Notification data is typed by name through `NotificationDataMap`, which each module extends
 * by declaration merging:
 *
 *   declare module '../api/notification-center.js' {
 *     interface NotificationDataMap { DNSLookupDidSucceed: { result: Route[] } }
 *   }
 */
import { Observable, Subject } from 'rxjs';

/** Data of each notification by name; modules add their own entries (declaration merging). */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface NotificationDataMap {}

export type NotificationName = keyof NotificationDataMap | (string & {});
type DataOf<N> = N extends keyof NotificationDataMap ? NotificationDataMap[N] : Record<string, unknown>;

export interface Notification<N extends NotificationName = NotificationName> {
  readonly name: N;
  /** The object that posted it (an Account, a Session, a DNSLookup...). */
  readonly sender: object;
  /** The spec's data fields, plus `timestamp` (every notification of the spec carries one). */
  readonly data: DataOf<N> & { readonly timestamp: Date };
}

export class NotificationCenter {
  private readonly all = new Subject<Notification>();
  private readonly bySender = new WeakMap<object, Subject<Notification>>();
  private readonly byName = new Map<string, Subject<Notification>>();

  /** Every notification, in the order posted. */
  readonly notifications$: Observable<Notification> = this.all.asObservable();

  /** Post a notification: synchronously delivered to every observer. */
  post<N extends NotificationName>(name: N, sender: object, data: DataOf<N>): void {
    const n = { name, sender, data: { timestamp: new Date(), ...data } } as unknown as Notification;
    this.bySender.get(sender)?.next(n);
    this.byName.get(name)?.next(n);
    this.all.next(n);
  }

  /** The notifications one object posts. */
  from(sender: object): Observable<Notification> {
    let s = this.bySender.get(sender);
    if (!s) {
      s = new Subject<Notification>();
      this.bySender.set(sender, s);
    }
    return s.asObservable();
  }

  /** The notifications of one name, with their data typed. */
  named<N extends NotificationName>(name: N): Observable<Notification<N>> {
    let s = this.byName.get(name);
    if (!s) {
      s = new Subject<Notification>();
      this.byName.set(name, s);
    }
    return s.asObservable() as Observable<Notification<N>>;
  }

  /** Complete every stream (the application is ending: observers are released, R-APP-1). */
  complete(): void {
    this.all.complete();
    for (const s of this.byName.values()) s.complete();
    this.byName.clear();
  }
}

/** The process-wide center that API objects post to unless given another. */
export const defaultNotificationCenter = new NotificationCenter();
