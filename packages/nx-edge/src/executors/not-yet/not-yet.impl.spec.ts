import { describe, expect, it } from 'vitest';
import { notYetMessage } from './not-yet.impl';

describe('executors not in this release', () => {
  it('say so and name the wrangler command to use meanwhile', () => {
    expect(notYetMessage('deploy', 'api', 'apps/api/wrangler.jsonc', 'staging')).toBe(
      '@aero/nx-edge:deploy is not part of this release of nx-edge yet (api). Meanwhile: npx wrangler deploy -c apps/api/wrangler.jsonc --env staging',
    );
    expect(notYetMessage('dev', 'api', 'apps/api/wrangler.jsonc')).toMatch(/Meanwhile: npx wrangler dev -c apps\/api\/wrangler\.jsonc$/);
  });
});
