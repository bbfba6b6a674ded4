/**
 * Errors of the settings system.
 *
 * A `SettingsError` names the object and the setting (`rtp.port_range: 70000 is not a port`), so
 * the message alone tells a user what to fix — in code, or in the stored configuration file
 * when it comes from loading.
 */

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
  /** The dotted setting path (`rtp.port_range`), or '' when the error is about the whole object. */
  readonly path: string;
  /** Which settings object: `global`, `account alice@example.com`, `bonjour account`... */
  readonly owner: string | undefined;
  /** What is wrong with the value, without the path (`70000 is not a port`). */
  readonly problem: string;

  constructor(path: string, problem: string, owner?: string, options?: ErrorOptions) {
    const where = [owner, path].filter((s) => s !== undefined && s !== '').join(': ');
    super(where ? `${where}: ${problem}` : problem, options);
    this.path = path;
    this.owner = owner;
    this.problem = problem;
  }
}

/**
 * Thrown by a datatype's `check` for a bad value; the settings code turns it into a
 * SettingsError carrying the path and owner.
 */
export class SettingValueError extends Error {
  override readonly name = 'SettingValueError';
}
