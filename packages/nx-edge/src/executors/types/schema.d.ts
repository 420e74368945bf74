// The types target has no options: everything comes from the wrangler configs.
export type TypesExecutorOptions = Record<string, never>;
