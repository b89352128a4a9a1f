import { loadConfig } from '@ismap/config';
import { createApiApplication } from './bootstrap';
import { runUntilSignal } from './lifecycle';

/** The API alone (production runs api and worker as separate processes). */
async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApiApplication(config);
  await runUntilSignal(app, config);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
