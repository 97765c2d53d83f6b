import type { StrataModule } from './core/index.js';
import { siteModule } from './site/index.js';
import { metal } from './metal/index.js';
import { sandboxModule } from './sandbox/index.js';
import { gateModule } from './gate/index.js';

/** The modules the all-in-one server runs, in creation order (later ones may use earlier ones' services). */
export const modules: StrataModule[] = [
  siteModule,
  metal,
  sandboxModule,
  gateModule,
];
