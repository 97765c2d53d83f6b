// `pragma` items change how the rest of their file is read: whether job and
// template definitions get implied branch matchers, and which branches.

import { BranchMatcher } from './change-matcher.js';
import type { ConfigItem, ParseContext } from './parse-context.js';
import { anyOf, asList, bool, dict, str, toList } from './validate.js';

const ZUUL_REGEX = dict({ regex: str, negate: bool }, { required: ['regex'] });
const SCHEMA = dict({
  'implied-branch-matchers': bool,
  'implied-branches': toList(anyOf(str, ZUUL_REGEX)),
});

/** Applies a pragma to its file's source context (shared by every object of that file). */
export function applyPragma(ctx: ParseContext, item: ConfigItem): void {
  ctx.validate(item, SCHEMA);
  const bm = item.body['implied-branch-matchers'];
  if (typeof bm === 'boolean') item.source.impliedBranchMatchers = bm;
  const branches = item.body['implied-branches'];
  if (branches !== undefined && branches !== null) {
    item.source.impliedBranches = asList(branches as unknown[]).map((b, i) =>
      BranchMatcher.regex(ctx.regex(item, b, Array.isArray(branches) ? ['implied-branches', i] : ['implied-branches'])));
  }
}
