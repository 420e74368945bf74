export interface InitGeneratorSchema {
  skipFormat?: boolean;
  skipPackageJson?: boolean;
  keepExistingVersions?: boolean;
  /** Leave Worker folders' package.json scripts as they are, even those that replace inferred targets. */
  keepScripts?: boolean;
  /** Replace a pinned wrangler outside the supported range with the supported one. */
  upgrade?: boolean;
}
