import { defineConfig } from 'vitest/config';
import { lwcTestPlugin } from './test/manifests/lwc/lwcTestPlugin.ts';

export default defineConfig({
  // The Salesforce record page component's logic runs under vitest against platform test doubles.
  plugins: [lwcTestPlugin()],
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx', 'src/**/*.test.ts', 'connectors/**/*.test.ts'],
    // one initialised PGlite cluster that every new store of the run starts from (src/store/pgliteTemplate.ts)
    globalSetup: ['test/pgliteTemplate.setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // PGlite instances are large (300-800 MB each): keep parallelism modest on 2-core machines.
    maxWorkers: 2,
    env: { DOTENV_CONFIG_QUIET: 'true' },
  },
});
