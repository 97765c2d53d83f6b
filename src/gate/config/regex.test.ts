import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RegexSyntaxError, translateRe2, ZuulRegex } from './regex.js';

describe('ZuulRegex', () => {
  it('matches at the start (re.match), fully, or anywhere', () => {
    const r = new ZuulRegex('stable/.*');
    assert.ok(r.match('stable/2024.1'));
    assert.ok(!r.match('not-stable/x'));
    assert.ok(new ZuulRegex('master').match('master-2'), 'match only anchors the start');
    assert.ok(!new ZuulRegex('master').fullmatch('master-2'));
    assert.ok(new ZuulRegex('doc').search('a/doc/b'));
  });

  it('negates', () => {
    const r = new ZuulRegex('^master$', true);
    assert.ok(!r.match('master'));
    assert.ok(r.match('stable'));
  });

  it('translates the RE2 syntax real configs use', () => {
    assert.ok(new ZuulRegex('(?i)^\\s*RECHECK').search('  recheck'));
    // A quantified anchor, as in OpenStack's jobs.yaml: RE2 accepts it and,
    // anchored at the start, it requires the subject to start with '/'.
    const q = new ZuulRegex('^*/(victoria|2024.1)$');
    assert.ok(q.match('/victoria'));
    assert.ok(!q.match('stable/victoria'));
    assert.ok(new ZuulRegex('[[:digit:]]+').fullmatch('123'));
    assert.ok(new ZuulRegex('(?P<v>\\d+)').fullmatch('42'));
    assert.ok(new ZuulRegex('\\Afoo\\z').fullmatch('foo'));
    assert.ok(new ZuulRegex('\\Qa.b\\E').fullmatch('a.b'));
    assert.ok(!new ZuulRegex('\\Qa.b\\E').fullmatch('axb'));
    assert.deepEqual(translateRe2('(?is)x'), { source: 'x', flags: 'is' });
  });

  it('reports invalid expressions', () => {
    assert.throws(() => new ZuulRegex('a(b'), RegexSyntaxError);
    assert.throws(() => new ZuulRegex('a(?i)b'), /inline flags/);
  });
});
