/**
 * Builds the static agent binary from strata-agent.c on demand, cached by the
 * hash of its source. It needs Debian's gcc and libc6-dev (for -static).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assetPath } from '../cache/index.js';
import { cachedBuild, runOk } from '../../core/host/index.js';
import { SandboxError } from '../model/errors.js';

export const AGENT_BINARY = 'strata-agent';

export async function ensureAgentBinary(cacheDir: string): Promise<string> {
  const source = assetPath('agent', 'strata-agent.c');
  const text = await readFile(source);
  const key = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const dir = await cachedBuild(join(cacheDir, 'agent', key), async (tmp) => {
    try {
      await runOk(['gcc', '-static', '-O2', '-Wall', '-o', join(tmp, AGENT_BINARY), source], { timeoutMs: 120_000 });
    } catch (err) {
      throw new SandboxError('runtime_unavailable', `building the sandbox agent from ${source} failed (needs Debian gcc and libc6-dev): ${(err as Error).message}`, {
        source,
      });
    }
  });
  return join(dir, AGENT_BINARY);
}
