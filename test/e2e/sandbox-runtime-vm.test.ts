// The conformance suite on the `vm` runtime: run, exit codes, stdio, env,
// cwd, timeout, signals, copy in/out, concurrent execs, tty, destroy with no leaks.
import { conformanceSuite } from './sandbox-helpers.js';

conformanceSuite('vm');
