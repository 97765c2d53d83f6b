// `semaphore` objects (and the tenant file's `global-semaphore`): a name and
// the number of jobs that may hold it at once.

import type { Semaphore } from './model.js';
import type { ConfigItem, ParseContext } from './parse-context.js';
import { dict, int, str } from './validate.js';

const SCHEMA = dict({ name: str, max: int }, { required: ['name'] });

export function parseSemaphore(ctx: ParseContext, item: ConfigItem): Semaphore {
  ctx.validate(item, SCHEMA);
  return {
    name: item.body.name as string,
    max: (item.body.max as number | undefined) ?? 1,
    global: false,
    origin: { source: item.source, line: item.line },
  };
}
