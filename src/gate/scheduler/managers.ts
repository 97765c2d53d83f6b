// One manager per pipeline, by the pipeline's `manager:` name.

import type { PipelineManager } from './base.js';
import { DependentPipelineManager } from './dependent.js';
import { IndependentPipelineManager } from './independent.js';
import { SerialPipelineManager } from './serial.js';
import { SupercedentPipelineManager } from './supercedent.js';
import type { PipelineSettings } from './types.js';

export function createManager(settings: PipelineSettings): PipelineManager {
  switch (settings.manager) {
    case 'independent':
      return new IndependentPipelineManager(settings);
    case 'dependent':
      return new DependentPipelineManager(settings);
    case 'serial':
      return new SerialPipelineManager(settings);
    case 'supercedent':
      return new SupercedentPipelineManager(settings);
  }
}
