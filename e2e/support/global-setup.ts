// Filled in by the e2e harness: packs the packages and prepares a workspace template.
export default async function setup(): Promise<void> {}
