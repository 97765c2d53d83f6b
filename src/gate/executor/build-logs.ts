// A build's logs: job-output.txt (the console), job-output.json (each
// playbook's results, written a line at a time while it runs) and logs/
// (what post-run playbooks collected), one directory per build.

import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../core/index.js';

export class BuildLogs {
  constructor(private readonly logRoot: string, private readonly log: Logger) {}

  /** A build's log directory: job-output.txt (the console), job-output.json, logs/ (what post-run collected). */
  buildLogDir(buildId: string): string {
    if (!/^[A-Za-z0-9_-]+$/.test(buildId)) throw new Error(`invalid build id ${buildId}`);
    return path.join(this.logRoot, buildId);
  }

  logPath(buildId: string): string {
    return path.join(this.buildLogDir(buildId), 'job-output.txt');
  }

  /** job-output.json while the build runs: one playbook record a line. */
  jsonLinesPath(buildId: string): string {
    return path.join(this.buildLogDir(buildId), '.job-output.jsonl');
  }

  /** Turns the playbook records into Zuul's job-output.json (a list). */
  finishJsonLog(buildId: string): void {
    const lines = this.jsonLinesPath(buildId);
    if (!existsSync(lines)) return;
    const records = readFileSync(lines, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown);
    writeFileSync(path.join(this.buildLogDir(buildId), 'job-output.json'), JSON.stringify(records, null, 2));
    rmSync(lines, { force: true });
  }

  /** What post-run playbooks put in zuul.executor.log_root is kept with the build's logs. */
  collectLogs(buildId: string, logRoot: string): void {
    try {
      cpSync(logRoot, path.join(this.buildLogDir(buildId), 'logs'), { recursive: true, force: true });
    } catch (err) {
      this.log.warn({ err, build: buildId }, 'collecting the build\'s logs failed');
    }
  }
}
