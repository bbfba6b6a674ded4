/**
 * Settings definitions: `setting(type, default)` leaves grouped with `group({...})`, and the
 * types derived from them — the values tree (`ValuesOf`), every dotted path (`SettingPath`) and
 * the value type at a path (`SettingValue`) — so `edit.set('rtp.port_range', ...)` is checked by
 * the compiler as well as at run time.
 *
 * Names are snake_case (`register_interval`, `xcap_root`), as the Middleware API and the python
 * SDK write them: the same names appear in the stored file, in setting paths, in errors and in
 * `CFGSettingsObjectDidChange` data, so a user reads one name everywhere.
 *
 * The stored form of an object holds only the settings explicitly set; the others take their
 * default when read. A new release can thus improve a default for everyone who never changed it.
 */
import { SettingsError, SettingValueError } from './errors.js';
import { describeValue, type SettingType } from './datatypes.js';

/** What a computed default may depend on: the object's id (`alice@example.com`). */
export interface SettingsContext {
  readonly id: string;
}

export type SettingDefault<T> = T | ((context: SettingsContext) => T);

export interface Setting<T> {
  readonly kind: 'setting';
  readonly type: SettingType<T>;
  readonly default: SettingDefault<T>;
  readonly doc: string;
}

/** A problem found by a group's cross-setting rule: the path is relative to the group. */
export interface GroupProblem {
  readonly path: string;
  readonly problem: string;
}

export interface SettingsGroup<F extends SettingsFields> {
  readonly kind: 'group';
  readonly fields: F;
  readonly doc: string;
  /** A rule over several settings of the group (T2 >= T1...), checked on load and on save. */
  validate?(values: ValuesOf<F>): GroupProblem | undefined;
}

export interface SettingsFields {
  readonly [name: string]: Setting<unknown> | SettingsGroup<SettingsFields>;
}

/** The values tree of a group: nested readonly objects. */
export type ValuesOf<F extends SettingsFields> = {
  readonly [K in keyof F]: F[K] extends Setting<infer T> ? T : F[K] extends SettingsGroup<infer G extends SettingsFields> ? ValuesOf<G> : never;
};

/** Every dotted setting path of a group: `enabled` | `sip.register_interval` | ... */
export type SettingPath<F extends SettingsFields> = {
  [K in keyof F & string]: F[K] extends SettingsGroup<infer G extends SettingsFields> ? `${K}.${SettingPath<G>}` : K;
}[keyof F & string];

/** The value type of the setting at `P`. */
export type SettingValue<F extends SettingsFields, P extends string> = P extends `${infer H}.${infer R}`
  ? F[H] extends SettingsGroup<infer G extends SettingsFields>
    ? SettingValue<G, R>
    : never
  : F[P] extends Setting<infer T>
    ? T
    : never;

/** Several settings at once, by path: `{ 'sip.register_interval': 300, enabled: true }`. */
export type SettingsChanges<F extends SettingsFields> = { [P in SettingPath<F>]?: SettingValue<F, P> };

const NAME = /^[a-z][a-z0-9_]*$/;

/** A setting of `type`; a static default is checked now, so a bad schema fails at import. */
export function setting<T>(type: SettingType<T>, defaultValue: SettingDefault<NoInfer<T>>, doc = ''): Setting<T> {
  const value = typeof defaultValue === 'function' ? defaultValue : type.check(defaultValue);
  return Object.freeze({ kind: 'setting', type, default: value as SettingDefault<T>, doc });
}

export interface GroupOptions<F extends SettingsFields> {
  doc?: string;
  validate?(values: ValuesOf<F>): GroupProblem | undefined;
}

export function group<const F extends SettingsFields>(fields: F, options: GroupOptions<F> = {}): SettingsGroup<F> {
  for (const name of Object.keys(fields)) if (!NAME.test(name)) throw new TypeError(`bad setting name ${JSON.stringify(name)}: use snake_case`);
  const g: SettingsGroup<F> = { kind: 'group', fields: Object.freeze({ ...fields }), doc: options.doc ?? '' };
  if (options.validate) (g as { validate?: GroupOptions<F>['validate'] }).validate = options.validate;
  return Object.freeze(g);
}

type AnySetting = Setting<unknown>;
type AnyGroup = SettingsGroup<SettingsFields>;
type Node = AnySetting | AnyGroup;

/** The setting at a dotted path, or undefined (also for a group's path). */
export function findSetting(root: AnyGroup, path: string): AnySetting | undefined {
  let node: Node = root;
  for (const part of path.split('.')) {
    if (node.kind !== 'group' || !Object.hasOwn(node.fields, part)) return undefined;
    node = node.fields[part]!;
  }
  return node.kind === 'setting' ? node : undefined;
}

/** Every setting with its dotted path, in definition order. */
export function settingPaths(root: AnyGroup, prefix = ''): [string, AnySetting][] {
  const out: [string, AnySetting][] = [];
  for (const [name, node] of Object.entries(root.fields)) {
    const p = prefix + name;
    if (node.kind === 'group') out.push(...settingPaths(node, p + '.'));
    else out.push([p, node]);
  }
  return out;
}

export function defaultOf<T>(s: Setting<T>, context: SettingsContext): T {
  const d = s.default;
  return typeof d === 'function' ? s.type.check((d as (c: SettingsContext) => T)(context)) : d;
}

/** Check a value for a setting; a bad one is a SettingsError naming the path and owner. */
export function checkSettingValue<T>(s: Setting<T>, path: string, value: unknown, owner: string | undefined): T {
  try {
    return s.type.check(value);
  } catch (e) {
    if (e instanceof SettingValueError) throw new SettingsError(path, e.message, owner, { cause: e });
    throw e;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Build the frozen values tree from a stored tree (explicit values only; unknown keys are
 * ignored here and kept by the caller). Every stored value is checked, then every group rule.
 */
export function buildValues<F extends SettingsFields>(root: SettingsGroup<F>, stored: unknown, context: SettingsContext, owner: string | undefined): ValuesOf<F> {
  return buildGroup(root as unknown as AnyGroup, stored, '', context, owner) as ValuesOf<F>;
}

function buildGroup(g: AnyGroup, stored: unknown, prefix: string, context: SettingsContext, owner: string | undefined): Record<string, unknown> {
  if (stored !== undefined && !isPlainObject(stored)) {
    throw new SettingsError(prefix.slice(0, -1), `${describeValue(stored)} is not a group of settings (expected a JSON object)`, owner);
  }
  const out: Record<string, unknown> = {};
  for (const [name, node] of Object.entries(g.fields)) {
    const path = prefix + name;
    const sub = stored !== undefined && Object.hasOwn(stored, name) ? stored[name] : undefined;
    if (node.kind === 'group') out[name] = buildGroup(node, sub, path + '.', context, owner);
    else out[name] = sub === undefined ? defaultOf(node, context) : checkSettingValue(node, path, sub, owner);
  }
  Object.freeze(out);
  const problem = g.validate?.(out as ValuesOf<SettingsFields>);
  if (problem) throw new SettingsError(prefix + problem.path, problem.problem, owner);
  return out;
}

/** Deep equality of JSON data (values and stored trees). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => jsonEqual(v, bb[i]));
  }
  const ak = Object.keys(a);
  const bk = Object.keys(b);
  const bo = b as Record<string, unknown>;
  return ak.length === bk.length && ak.every((k) => Object.hasOwn(bo, k) && jsonEqual((a as Record<string, unknown>)[k], bo[k]));
}

/** The value at a dotted path of a values or stored tree; undefined where a group is missing. */
export function valueAt(values: unknown, path: string): unknown {
  let v = values;
  for (const part of path.split('.')) {
    if (!isPlainObject(v) || !Object.hasOwn(v, part)) return undefined;
    v = v[part];
  }
  return v;
}
