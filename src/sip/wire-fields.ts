/**
 * The layout of SIPMessage's wire list, the fast parser's record of the header fields it read
 * (wire-parser.ts → message.ts adoptWire): FIELD_STRIDE numbers per field. The first is the
 * HEADER_DEFS id of a known name (its canonical spelling is all a message needs of it), or, for
 * an unknown name, -1 minus the name's span; the second is the value's span. A span is a
 * [start, end) pair of offsets into the message packed into one integer. The fast parser only
 * takes messages of at most 4096 octets (parser.ts), so an offset fits in SPAN_SHIFT bits and
 * every number stays a small integer (31-bit Smi): two numbers per field to store and copy.
 */

/** Numbers per field: id (or unknown name), value span. */
export const FIELD_STRIDE = 2;

/** The first number of an unknown header's field: its name's span, as a negative number. */
export function unknownNameHead(nameSpan: number): number {
  return -1 - nameSpan;
}

/** The name span of an unknown header's field from its first number (negative). */
export function unknownNameSpan(head: number): number {
  return -1 - head;
}

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
