// `pipeline` objects (configloader.py PipelineParser): the manager, the
// triggers, requirements and reporters of each connection, the dependent
// pipeline window, and the messages. Only config projects may define them.

import { ConfigError } from './errors.js';
import {
  MANAGERS, REPORTER_ACTIONS, type EventFilter, type Pipeline, type RefFilter, type Reporter, type ReporterAction,
} from './model.js';
import type { ConfigItem, ParseContext } from './parse-context.js';
import { parseRefFilter, parseReporter, parseTrigger } from './trigger-parser.js';
import { any, anyOf, asList, bool, dict, dictOf, intRange, isMapping, nullValue, oneOf, str, toList, type Check } from './validate.js';

const connectionMap: Check = (v, p) => (v === null || isMapping(v) ? null : { path: p, message: 'expected a dictionary of connections' });

const SCHEMA = dict({
  name: str,
  manager: oneOf(...MANAGERS),
  'allow-other-connections': bool,
  precedence: oneOf('normal', 'low', 'high'),
  supercedes: toList(str),
  description: str,
  'variant-description': str,
  'success-message': str,
  'failure-message': str,
  'start-message': str,
  'merge-conflict-message': str,
  'enqueue-message': str,
  'no-jobs-message': str,
  'footer-message': str,
  'dequeue-message': str,
  'dequeue-on-new-patchset': bool,
  'ignore-dependencies': bool,
  'post-review': bool,
  'disable-after-consecutive-failures': intRange(1),
  window: intRange(0),
  'window-floor': intRange(1),
  'window-ceiling': anyOf(nullValue, intRange(1)),
  'window-increase-type': oneOf('linear', 'exponential'),
  'window-increase-factor': intRange(1),
  'window-decrease-type': oneOf('linear', 'exponential'),
  'window-decrease-factor': intRange(1),
  trigger: connectionMap,
  require: connectionMap,
  reject: connectionMap,
  ...Object.fromEntries(REPORTER_ACTIONS.map((a) => [a, anyOf(nullValue, dictOf(any))])),
}, { required: ['name', 'manager', 'trigger'] });

const DEFAULT_MERGE_CONFLICT = 'Merge Failed.\n\nThis change or one of its cross-repo dependencies was unable to be ' +
  'automatically merged with the current state of its repository. Please rebase the change and upload a new patchset.';

export function parsePipeline(ctx: ParseContext, item: ConfigItem): Pipeline {
  ctx.validate(item, SCHEMA);
  const b = item.body;
  const get = <T>(k: string, d: T): T => (b[k] === undefined ? d : b[k] as T);
  const seen = new Set<string>();

  const reporters = {} as Record<ReporterAction, Reporter[]>;
  for (const action of REPORTER_ACTIONS) {
    const conf = b[action];
    const list: Reporter[] = [];
    if (isMapping(conf)) {
      for (const [conn, params] of Object.entries(conf)) {
        list.push(parseReporter(ctx, item, action, conn, params, [action, conn]));
        seen.add(conn);
      }
    }
    reporters[action] = list;
  }
  // Zuul: without explicit merge-conflict or config-error reporters, the failure ones report.
  if (reporters['merge-conflict'].length === 0) reporters['merge-conflict'] = reporters.failure;
  if (reporters['config-error'].length === 0) reporters['config-error'] = reporters.failure;

  const window = get('window', 20);
  const windowFloor = get('window-floor', 3);
  const windowCeiling = get<number | null>('window-ceiling', null);
  if (windowCeiling !== null && windowCeiling < windowFloor) {
    throw new ConfigError('invalid', 'Pipeline window-ceiling may not be less than window-floor', ctx.at(item, ['window-ceiling']));
  }

  const filters = (key: 'require' | 'reject'): RefFilter[] => {
    const out: RefFilter[] = [];
    const conf = b[key];
    if (isMapping(conf)) {
      for (const [conn, c] of Object.entries(conf)) {
        out.push(parseRefFilter(ctx, item, conn, c, [key, conn]));
        seen.add(conn);
      }
    }
    return out;
  };
  const require = filters('require');
  const reject = filters('reject');

  const triggers: EventFilter[] = [];
  if (isMapping(b.trigger)) {
    for (const [conn, c] of Object.entries(b.trigger)) {
      triggers.push(...parseTrigger(ctx, item, conn, c, ['trigger', conn]));
      seen.add(conn);
    }
  }

  return {
    name: b.name as string,
    description: b.description as string | undefined,
    manager: b.manager as Pipeline['manager'],
    precedence: get('precedence', 'normal'),
    postReview: get('post-review', false),
    allowOtherConnections: get('allow-other-connections', true),
    supercedes: asList(b.supercedes as string[]),
    dequeueOnNewPatchset: get('dequeue-on-new-patchset', true),
    ignoreDependencies: get('ignore-dependencies', false),
    disableAfterConsecutiveFailures: b['disable-after-consecutive-failures'] as number | undefined,
    messages: {
      success: get('success-message', 'Build succeeded.'),
      failure: get('failure-message', 'Build failed.'),
      mergeConflict: get('merge-conflict-message', DEFAULT_MERGE_CONFLICT),
      start: get('start-message', 'Starting {pipeline.name} jobs.'),
      enqueue: get('enqueue-message', ''),
      noJobs: get('no-jobs-message', ''),
      dequeue: get('dequeue-message', 'Build canceled.'),
      footer: get('footer-message', ''),
    },
    window,
    windowFloor,
    windowCeiling,
    windowIncreaseType: get('window-increase-type', 'linear'),
    windowIncreaseFactor: get('window-increase-factor', 1),
    windowDecreaseType: get('window-decrease-type', 'exponential'),
    windowDecreaseFactor: get('window-decrease-factor', 2),
    triggers,
    require,
    reject,
    reporters,
    connections: [...seen].sort(),
    source: item.source,
    line: item.line,
  };
}
