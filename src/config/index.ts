/** The Configuration API: typed settings objects, staged editing, loading and saving. */
export { SettingsError, SettingValueError } from './errors.js';
export * as datatypes from './datatypes.js';
export type { PortRange, SettingType, SIPAddressParts, Transport } from './datatypes.js';
export {
  group,
  setting,
  type GroupOptions,
  type GroupProblem,
  type Setting,
  type SettingDefault,
  type SettingPath,
  type SettingsChanges,
  type SettingsContext,
  type SettingsFields,
  type SettingsGroup,
  type SettingValue,
  type ValuesOf,
} from './schema.js';
export { exposeSettings, SettingsEditor, SettingsObject, type SettingsModified, type SettingsObjectInit, type SettingsStore } from './settings-object.js';
export { GlobalSettings, globalSettingsSchema, type GlobalSettingsFields, type GlobalSettingsValues } from './global-settings.js';
export {
  AccountSettings,
  accountSettingsSchema,
  BONJOUR_ACCOUNT_ID,
  BonjourAccountSettings,
  bonjourAccountSettingsSchema,
  checkAccountId,
  type AccountSettingsFields,
  type AccountSettingsValues,
  type BonjourAccountSettingsFields,
  type BonjourAccountSettingsValues,
} from './account-settings.js';
export { ConfigurationManager, loadSettings, type ConfigurationManagerOptions, type LoadedSettings } from './configuration-manager.js';
