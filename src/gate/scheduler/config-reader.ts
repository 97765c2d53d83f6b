// Where the scheduler reads configuration: branches and branch tips from
// the projects' own repositories, commits by id from the merger's cache
// (speculative merge commits exist only there; the cache also holds every
// commit of the repositories it was fetched from).

import type { ConfigFile, ConfigReader, ConfigRoots, ProjectBranches } from '../config/index.js';

export class SpeculativeReader implements ConfigReader {
  constructor(private readonly source: ConfigReader, private readonly cache: ConfigReader) {}

  getBranches(project: string): Promise<ProjectBranches | null> {
    return this.source.getBranches(project);
  }

  readConfigFiles(project: string, ref: string, roots: ConfigRoots): Promise<ConfigFile[]> {
    return /^[0-9a-f]{40,64}$/.test(ref) ? this.cache.readConfigFiles(project, ref, roots) : this.source.readConfigFiles(project, ref, roots);
  }
}
