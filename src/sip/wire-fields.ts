/**
 * The layout of SIPMessage's wire list, the fast parser's record of the header fields it read
 * (wire-parser.ts → message.ts adoptWire): FIELD_STRIDE numbers per field, the HEADER_DEFS id
 * (-1 for an unknown name), then the name's and the value's [start, end) offsets into the
 * message, each pair packed into one small integer. The fast parser only takes messages of at
 * most 4096 octets (parser.ts), so an offset fits in SPAN_SHIFT bits and a packed pair stays a
 * small integer (31-bit Smi): three numbers per field instead of five to store and copy.
 */

/** Numbers per field: id, name span, value span. */
export const FIELD_STRIDE = 3;

/** Bits of the start offset in a packed span. */
const SPAN_SHIFT = 16;
const SPAN_MASK = (1 << SPAN_SHIFT) - 1;

/** Largest offset a span can hold; the fast parser's messages are far shorter. */
export const MAX_SPAN_OFFSET = SPAN_MASK;

/** [start, end) as one integer. */
export function packSpan(start: number, end: number): number {
  return start | (end << SPAN_SHIFT);
}

export function spanStart(span: number): number {
  return span & SPAN_MASK;
}

export function spanEnd(span: number): number {
  return span >>> SPAN_SHIFT;
}
