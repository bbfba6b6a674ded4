/**
 * The headers every transaction and dialog layer reads on every message (internal; not exported
 * from the package). SIPMessage keeps their typed values in a small array indexed by slot, and
 * the parser tags each field with its slot, so that these headers are found and cached without
 * string-keyed Map lookups or string comparisons.
 */
import { HEADER_DEFS } from './header-names.js';
export const Slot = {
  Via: 0,
  From: 1,
  To: 2,
  CallId: 3,
  CSeq: 4,
  MaxForwards: 5,
  ContentLength: 6,
  Contact: 7,
  Route: 8,
  RecordRoute: 9,
} as const;

export type Slot = (typeof Slot)[keyof typeof Slot];

/** Number of slots. */
export const SLOT_COUNT = 10;

/** The slot of a lower-case header key, or -1. */
export function coreSlot(key: string): Slot | -1 {
  switch (key) {
    case 'via': return Slot.Via;
    case 'from': return Slot.From;
    case 'to': return Slot.To;
    case 'call-id': return Slot.CallId;
    case 'cseq': return Slot.CSeq;
    case 'max-forwards': return Slot.MaxForwards;
    case 'content-length': return Slot.ContentLength;
    case 'contact': return Slot.Contact;
    case 'route': return Slot.Route;
    case 'record-route': return Slot.RecordRoute;
    default: return -1;
  }
}

/** The slot of each HEADER_DEFS id, -1 for the other headers. */
export const SLOT_OF_ID: Int8Array = Int8Array.from(HEADER_DEFS, (d) => coreSlot(d.key));
