/**
 * Names from the outside world (account ids, XCAP document names) become single path components
 * that cannot leave the storage directory, cannot collide, and can be turned back into names.
 *
 * Every UTF-8 byte outside [a-z0-9._@+-] is written %XX (upper-case hex), and so is a leading
 * '.'. Consequences:
 * - '/', '\\', NUL and ':' are always escaped, so a name is one component: `../x`, `/etc/passwd`,
 *   `C:\x` and `a\0b` stay inside the directory;
 * - '.' and '..' are impossible (the leading dot is escaped), and no escaped name starts with
 *   '.', which leaves that prefix to temp files;
 * - upper-case letters are escaped too, so names differing only in case (`Alice@x`, `alice@x`,
 *   distinct SIP users) stay distinct on case-insensitive file systems (macOS, Windows);
 * - the mapping is one to one, so `unescapeName` gives the name back (for listing).
 *
 * Escaped names longer than MAX_COMPONENT bytes (file systems allow 255) are cut and suffixed
 * with a hash of the whole name (`~` never appears in an escaped name, so these cannot collide
 * with plain ones). Only account directories use that form: they are never listed back, while
 * document names must be listable and are short in practice (a longer one is refused).
 */
import { createHash } from 'node:crypto';
import { relative, isAbsolute, join } from 'node:path';

const MAX_COMPONENT = 200;

function isPlain(byte: number, index: number): boolean {
  return (
    (byte >= 0x61 && byte <= 0x7a) || // a-z
    (byte >= 0x30 && byte <= 0x39) || // 0-9
    byte === 0x5f || // _
    byte === 0x40 || // @
    byte === 0x2b || // +
    byte === 0x2d || // -
    (byte === 0x2e && index > 0) // . but not first
  );
}

/** Escape a non-empty name into one path component (see the module comment). */
export function escapeName(name: string): string {
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('a stored name must be a non-empty string');
  const bytes = Buffer.from(name, 'utf8');
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    out += isPlain(b, i) ? String.fromCharCode(b) : '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** The name an `escapeName` result stands for; undefined if `component` is not one. */
export function unescapeName(component: string): string | undefined {
  if (component.length === 0 || component.includes('~')) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < component.length; i++) {
    const c = component.charCodeAt(i);
    if (c === 0x25) {
      const hex = component.slice(i + 1, i + 3);
      if (!/^[0-9A-F]{2}$/.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (isPlain(c, bytes.length)) {
      bytes.push(c);
    } else {
      return undefined;
    }
  }
  const name = Buffer.from(bytes).toString('utf8');
  // Reject anything that would not escape back to the same text (bad UTF-8, needless escapes).
  return escapeName(name) === component ? name : undefined;
}

/** A component for a name of any length: escaped, or cut and hashed when too long. */
export function escapeLongName(name: string): string {
  const escaped = escapeName(name);
  if (escaped.length <= MAX_COMPONENT) return escaped;
  const hash = createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 32);
  return `${escaped.slice(0, MAX_COMPONENT - 33)}~${hash}`;
}

/** An escaped document name; throws RangeError when it would be too long to list back. */
export function escapeShortName(name: string): string {
  const escaped = escapeName(name);
  if (escaped.length > MAX_COMPONENT) throw new RangeError(`name too long to store (${escaped.length} bytes escaped, at most ${MAX_COMPONENT})`);
  return escaped;
}

/**
 * `root` joined with components, checked to stay strictly inside `root`. The escaping already
 * guarantees it; this is the second line of defence should that code ever change.
 */
export function joinInside(root: string, ...components: string[]): string {
  const full = join(root, ...components);
  const rel = relative(root, full);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new RangeError(`path ${JSON.stringify(full)} is outside ${JSON.stringify(root)}`);
  return full;
}
