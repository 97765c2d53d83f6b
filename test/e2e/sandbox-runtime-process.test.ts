// The conformance suite on the `process` runtime: run, exit codes, stdio, env,
// cwd, timeout, signals, copy in/out, concurrent execs, tty, destroy with no leaks.
import { conformanceSuite } from './sandbox-helpers.js';

conformanceSuite('process', { hostFilesystem: true });
