/** The repository options every site command takes, as Pegleg names them. */
import type { Command } from 'commander';

export interface RepositoryOptions {
  repository: string;
  extraRepository: string[];
}

export function collectRepeated(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Adds `-r/--repository` and `-e/--extra-repository`, as Pegleg names them. */
export function withRepositoryOptions(cmd: Command): Command {
  return cmd
    .requiredOption('-r, --repository <repo>', 'site repository: a path or git URL, optionally @REVISION')
    .option(
      '-e, --extra-repository <name=repo>',
      "override a repository of the site definition: NAME=PATH_OR_URL[@REVISION] (repeatable)",
      collectRepeated,
      [],
    );
}
