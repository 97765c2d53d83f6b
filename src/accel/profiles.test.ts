import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arqsFor, validateProfile } from './profiles.js';
import { explain, pick, unfit, type Candidate } from './matching.js';
import { parseSelector, selects } from './selectors.js';
import { parseQuantity } from './quantity.js';
import { arqMachine } from './states.js';

test('N groups x M accelerators give N*M ARQs, each with its group and requirement', () => {
  const groups: Record<string, string>[] = [
    { 'resources:FPGA': '2', 'trait:CUSTOM_FPGA_INTEL': 'required', 'accel:bitstream_id': 'abc' },
    { 'resources:PGPU': '2', 'attr:memory': '>=40Gi' },
    { 'resources:VGPU': '2', 'trait:CUSTOM_NVIDIA_MIG': 'forbidden' },
  ];
  const arqs = arqsFor(groups);
  assert.equal(arqs.length, 6);
  assert.deepEqual(arqs.map((a) => [a.groupId, a.requirement.resourceClass]), [[0, 'FPGA'], [0, 'FPGA'], [1, 'PGPU'], [1, 'PGPU'], [2, 'VGPU'], [2, 'VGPU']]);
  assert.equal(arqs[0]!.requirement.bitstreamId, 'abc');
  assert.deepEqual(arqs[4]!.requirement.forbiddenTraits, ['CUSTOM_NVIDIA_MIG']);
});

test('Cyborg\'s profile rules: each bad profile is refused saying what and where', () => {
  const cases: [unknown, RegExp][] = [
    [{ name: 'p', groups: [{ 'resources:TPU': '1' }] }, /groups\[0\]: unsupported resource class "TPU"/],
    [{ name: 'p', groups: [{ 'resources:FPGA': '1', 'accel:bitstream_id': 'a', 'accel:function_id': 'b' }] }, /accel:bitstream_id or accel:function_id, not both/],
    [{ name: 'p', groups: [{ 'resources:FPGA': '1', 'trait:FPGA_X': 'required' }] }, /unsupported trait name format "FPGA_X"/],
    [{ name: 'p', groups: [{ 'resources:FPGA': '1', 'trait:CUSTOM_X': 'maybe' }] }, /"required" or "forbidden"/],
    [{ name: 'p', groups: [{ 'resources:FPGA': '0' }] }, /whole number from 1 to 64/],
    [{ name: 'p', groups: [{ 'resources:FPGA': 1 }] }, /must be a string/],
    [{ name: 'p', groups: [{ 'trait:CUSTOM_X': 'required' }] }, /asks for no resources/],
    [{ name: 'p', groups: [{ 'resources:FPGA': '1', color: 'red' }] }, /unsupported key "color"/],
    [{ name: 'p', groups: [{ 'resources:PGPU': '1', 'attr:memory': '>=lots' }] }, /"lots" is not a number/],
    [{ name: 'p', groups: [] }, /non-empty list/],
    [{ name: '', groups: [{ 'resources:FPGA': '1' }] }, /name must be/],
    [{ name: 'p', groups: [{ 'resources:FPGA': '1' }], colour: 1 }, /unknown field "colour"/],
    [[], /must be an object/],
  ];
  for (const [body, re] of cases) assert.throws(() => validateProfile(body), re, JSON.stringify(body));
  assert.equal(validateProfile({ name: 'fpga-1', groups: [{ 'resources:CUSTOM_ACCEL': '1' }] }).requirements[0]!.length, 1);
});

test('selectors compare quantities, sets and strings', () => {
  assert.equal(parseQuantity('40Gi'), 40 * 2 ** 30);
  assert.equal(parseQuantity('81559MiB'), 81559 * 2 ** 20);
  assert.equal(parseQuantity('20GB'), 20e9);
  assert.equal(parseQuantity('lots'), undefined);
  const a = { memory: '81559MiB', model: 'NVIDIA H100 PCIe', numa_node: '1' };
  assert.ok(selects(parseSelector('memory', '>=40Gi'), a));
  assert.ok(!selects(parseSelector('memory', '>=100Gi'), a));
  assert.ok(selects(parseSelector('model', 'in(NVIDIA H100 PCIe, NVIDIA H200)'), a));
  assert.ok(!selects(parseSelector('model', 'notin(NVIDIA H100 PCIe)'), a));
  assert.ok(selects(parseSelector('numa_node', '1'), a));
  assert.ok(selects(parseSelector('absent', '!=x'), a));
  assert.ok(!selects(parseSelector('absent', 'x'), a));
});

const cand = (over: Partial<Candidate>): Candidate => ({
  uuid: 'u',
  hostname: 'h1',
  resourceClass: 'PGPU',
  traits: [],
  attributes: {},
  numAccelerators: 1,
  maxClients: 1,
  used: 0,
  bitstreamId: null,
  usable: true,
  programmable: false,
  ...over,
});

test('matching: resource class, capacity with sharing, traits, bitstreams, selectors, and why not', () => {
  const [req] = validateProfile({ name: 'p', groups: [{ 'resources:PGPU': '1', 'attr:memory': '>=40Gi', 'trait:CUSTOM_BAD': 'forbidden' }] }).requirements[0]!;
  const small = cand({ uuid: 'a', attributes: { memory: '20GB' } });
  const full = cand({ uuid: 'b', attributes: { memory: '80Gi' }, used: 1 });
  const shared = cand({ uuid: 'c', attributes: { memory: '80Gi' }, used: 1, maxClients: 4 });
  const bad = cand({ uuid: 'd', attributes: { memory: '80Gi' }, traits: ['CUSTOM_BAD'] });
  assert.equal(pick([small, full, shared, bad], req!)?.uuid, 'c');
  assert.match(unfit(full, req!)!, /full \(1 of 1/);
  assert.match(unfit(bad, req!)!, /forbidden trait CUSTOM_BAD/);
  assert.match(explain([small, full], req!), /a: does not satisfy memory >= 40Gi; b: full/);
  assert.equal(pick([small], req!), undefined);
  const [fpga] = validateProfile({ name: 'p', groups: [{ 'resources:FPGA': '1', 'accel:bitstream_id': 'bs1' }] }).requirements[0]!;
  const loaded = cand({ uuid: 'z', resourceClass: 'FPGA', bitstreamId: 'bs1' });
  const blank = cand({ uuid: 'a', resourceClass: 'FPGA', programmable: true });
  const fixed = cand({ uuid: 'b', resourceClass: 'FPGA', bitstreamId: 'other' });
  assert.equal(pick([blank, fixed, loaded], fpga!)?.uuid, 'z', 'one already running the bitstream needs no programming');
  assert.equal(pick([blank, fixed], fpga!)?.uuid, 'a');
  assert.match(unfit(fixed, fpga!)!, /cannot be programmed/);
  assert.equal(pick([cand({ uuid: 'x', hostname: 'h2' })], { ...req!, selectors: [] }, { hostname: 'h1' }), undefined);
});

test('the ARQ table allows Cyborg\'s moves and no others', () => {
  assert.equal(arqMachine.next('Initial', 'bind'), 'BindStarted');
  assert.equal(arqMachine.next('BindStarted', 'bound'), 'Bound');
  assert.equal(arqMachine.next('Bound', 'unbind'), 'Unbound');
  assert.throws(() => arqMachine.next('Bound', 'bind'), /cannot bind from state "Bound"/);
  assert.throws(() => arqMachine.next('Deleting', 'unbind'));
});
