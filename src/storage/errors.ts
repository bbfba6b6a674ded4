/**
 * Errors of the storage layer (Middleware API §3).
 *
 * Every failure to read or write stored data is a `StorageError` that names the file (or the
 * in-memory item) and carries the underlying error as `cause`, so an application can tell the
 * user which file is broken and why instead of crashing on a raw `SyntaxError` or `EACCES`.
 */

export class StorageError extends Error {
  override readonly name = 'StorageError';
  /** The file (or directory, or `memory:` item) the operation was about. */
  readonly file: string;

  constructor(file: string, reason: string, cause?: unknown) {
    super(`${file}: ${reason}`, cause === undefined ? undefined : { cause });
    this.file = file;
  }

  /** Wrap any error thrown by an I/O call; a StorageError passes through unchanged. */
  static from(file: string, doing: string, cause: unknown): StorageError {
    if (cause instanceof StorageError) return cause;
    const reason = cause instanceof Error ? cause.message : String(cause);
    return new StorageError(file, `${doing}: ${reason}`, cause);
  }
}
