/**
 * The configuration versions the crash writer saves: version n is a pure function of n, so the
 * test can check that what survives a kill is exactly one complete version.
 * About 1 MB of JSON, so a write (and its fsync) takes long enough to be interrupted.
 */
export function versionData(version: number): Record<string, unknown> {
  const accounts: Record<string, unknown> = {};
  for (let i = 0; i < 1000; i++) {
    accounts[`user${i}@example.com`] = {
      enabled: (i + version) % 2 === 0,
      display_name: `User ${i} version ${version}`,
      auth: { password: `${version}-${i}-`.padEnd(700, String.fromCharCode(97 + ((version + i) % 26))) },
      sip: { register_interval: 600 + (version % 1000) },
    };
  }
  return { version, global: { user_agent: `crash-test/${version}` }, accounts };
}
