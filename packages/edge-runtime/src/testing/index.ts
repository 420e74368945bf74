// @aero/edge-runtime/testing: test envs built from a Worker's wrangler config.
export {};
