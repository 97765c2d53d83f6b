// `queue` objects: shared change queues of dependent pipelines, optionally
// one per branch, optionally allowing circular dependencies.

import { ConfigError } from './errors.js';
import type { Queue } from './model.js';
import type { ConfigItem, ParseContext } from './parse-context.js';
import { bool, dict, str } from './validate.js';

const SCHEMA = dict({
  name: str,
  'per-branch': bool,
  'allow-circular-dependencies': bool,
  'dependencies-by-topic': bool,
}, { required: ['name'] });

export function parseQueue(ctx: ParseContext, item: ConfigItem): Queue {
  ctx.validate(item, SCHEMA);
  const b = item.body;
  const queue: Queue = {
    name: b.name as string,
    perBranch: (b['per-branch'] as boolean | undefined) ?? false,
    allowCircularDependencies: (b['allow-circular-dependencies'] as boolean | undefined) ?? false,
    dependenciesByTopic: (b['dependencies-by-topic'] as boolean | undefined) ?? false,
    source: item.source,
    line: item.line,
  };
  if (queue.dependenciesByTopic && !queue.allowCircularDependencies) {
    throw new ConfigError('invalid', "The 'allow-circular-dependencies' setting must be enabled in order to use dependencies-by-topic",
      ctx.at(item, ['dependencies-by-topic']));
  }
  return queue;
}
