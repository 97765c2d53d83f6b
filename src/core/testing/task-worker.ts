/**
 * A child process for takeover tests: claims tasks of kind `hang` on the
 * store named in argv, prints `claimed <id>` and then works forever, so the
 * test can kill it with SIGKILL mid-task.
 */
import { openStore, migrate, coreMigrations } from '../store/index.js';
import { TaskRunner, TaskStore } from '../tasks/index.js';
import { silentLogger } from '../logging.js';

const store = await openStore(process.argv[2]!);
await migrate(store, { core: coreMigrations });
const runner = new TaskRunner(new TaskStore(store), { leaseMs: Number(process.argv[3] ?? 1000), pollMs: 50, log: silentLogger() });
runner.register('hang', {
  async run({ task }) {
    process.stdout.write(`claimed ${task.id}\n`);
    await new Promise(() => {});
  },
});
runner.start();
// The runner's timers are unref'd (a server's sockets keep it alive); this process has none.
setInterval(() => {}, 1 << 30);
