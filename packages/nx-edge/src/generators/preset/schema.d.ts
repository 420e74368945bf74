export interface PresetGeneratorSchema {
  /** The workspace name, from create-nx-workspace. */
  name?: string;
  worker?: string;
  lib?: string;
  framework?: string;
  /** create-nx-workspace passes its own options along (packageManager, interactive…): ignored. */
  [other: string]: unknown;
}
