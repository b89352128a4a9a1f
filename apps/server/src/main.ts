// The composition root of `npm start`: API and worker in one process (docs/adr/0002-composition-root.md).
import { createApiApplication } from '../../api/src/bootstrap';
import { runUntilSignal } from '../../api/src/lifecycle';
import { WorkerModule } from '../../worker/src/worker.module';
import { loadConfig } from '@ismap/config';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApiApplication(config, [WorkerModule]);
  await runUntilSignal(app, config);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
