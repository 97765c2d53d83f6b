/**
 * `strata bmc serve` as a separate process: its Redfish resources as sushy
 * (OpenStack's Redfish client, Debian python3-sushy) reads them, basic and
 * session authentication, ETags, error bodies, and state that survives a
 * restart with --state.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnBmc, type BmcProcess } from '../../src/metal/bmc/index.js';

const dir = mkdtempSync(join(tmpdir(), 'strata-bmc-redfish-'));
const pwFile = join(dir, 'password');
const state = join(dir, 'state');
writeFileSync(pwFile, 'c0rrect-horse\n', { mode: 0o600 });
const basic = 'Basic ' + Buffer.from('admin:c0rrect-horse').toString('base64');
let bmc: BmcProcess;

before(async () => {
  bmc = await spawnBmc(['--systems', '3', '--username', 'admin', '--password-file', pwFile, '--state', state, '--cpus', '2', '--memory', '2048', '--disk-gb', '20', '--nics', '2']);
});
after(async () => {
  await bmc?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const get = async (path: string, headers: Record<string, string> = { Authorization: basic }) => {
  const res = await fetch(bmc.url + path, { headers });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, any> };
};
const send = async (method: string, path: string, body: unknown, headers: Record<string, string> = { Authorization: basic }) => {
  const res = await fetch(bmc.url + path, { method, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, any>) : undefined };
};

test('the systems have stable ids, MACs and the requested hardware', () => {
  assert.deepEqual(bmc.systems.map((s) => s.id), ['node-0', 'node-1', 'node-2']);
  assert.equal(new Set(bmc.systems.flatMap((s) => s.macs)).size, 6);
  for (const s of bmc.systems) for (const mac of s.macs) assert.match(mac, /^52:54:00(:[0-9a-f]{2}){3}$/);
});

test('sushy reads every resource and drives power and boot override (basic and session auth)', () => {
  const script = String.raw`
import json, sys, sushy
from sushy import auth
url, user, pw = sys.argv[1], sys.argv[2], sys.argv[3]
out = {}
for name, a in (('basic', auth.BasicAuth(user, pw)), ('session', auth.SessionAuth(user, pw))):
    s = sushy.Sushy(url + '/redfish/v1', auth=a)
    r = {'systems': list(s.get_system_collection().members_identities)}
    sy = s.get_system('/redfish/v1/Systems/node-1')
    r['uuid'] = sy.uuid
    sy.reset_system(sushy.RESET_ON); sy.refresh(); r['on'] = sy.power_state.value
    sy.set_system_boot_options(target=sushy.BOOT_SOURCE_TARGET_PXE, enabled=sushy.BOOT_SOURCE_ENABLED_CONTINUOUS, mode=sushy.BOOT_SOURCE_MODE_UEFI)
    sy.refresh(); r['boot'] = [sy.boot.target.value, sy.boot.enabled.value, sy.boot.mode.value]
    r['allowed_targets'] = sorted(v.value for v in sy.get_allowed_system_boot_source_values())
    r['reset_types'] = sorted(v.value for v in sy.get_allowed_reset_system_values())
    p = sy.processors.summary; r['cpus'] = [p.count, p.architecture.value]
    r['memory_gib'] = sy.memory_summary.size_gib
    r['nics'] = sorted(sy.ethernet_interfaces.summary)
    r['simple'] = sy.simple_storage.disks_sizes_bytes
    r['volumes'] = sy.storage.volumes_sizes_bytes
    r['drives'] = sy.storage.drives_sizes_bytes
    r['bios'] = sorted(sy.bios.attributes)
    r['managers'] = [m.manager_type.value for m in sy.managers]
    r['chassis'] = [c.identity for c in sy.chassis]
    sy.reset_system(sushy.RESET_FORCE_OFF); sy.refresh(); r['off'] = sy.power_state.value
    if name == 'session':
        r['sessions'] = len(s.get_session_service().sessions.get_members())
    out[name] = r
try:
    sushy.Sushy(url + '/redfish/v1', auth=auth.BasicAuth(user, 'nope')).get_system('/redfish/v1/Systems/node-0')
    out['bad'] = 'accepted'
except sushy.exceptions.AccessError as e:
    out['bad'] = e.status_code
print(json.dumps(out))
`;
  const res = spawnSync('/usr/bin/python3', ['-W', 'ignore', '-c', script, bmc.url, 'admin', 'c0rrect-horse'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(res.status, 0, res.stderr);
  const out = JSON.parse(res.stdout);
  const node1 = bmc.systems[1];
  for (const mode of ['basic', 'session']) {
    const r = out[mode];
    assert.deepEqual(r.systems, ['/redfish/v1/Systems/node-0', '/redfish/v1/Systems/node-1', '/redfish/v1/Systems/node-2']);
    assert.equal(r.uuid, node1.uuid);
    assert.equal(r.on, 'On');
    assert.equal(r.off, 'Off');
    assert.deepEqual(r.boot, ['Pxe', 'Continuous', 'UEFI']);
    assert.deepEqual(r.allowed_targets, ['BiosSetup', 'Cd', 'Hdd', 'None', 'Pxe']);
    assert.ok(r.reset_types.includes('GracefulShutdown') && r.reset_types.includes('ForceRestart') && r.reset_types.includes('Nmi'));
    assert.deepEqual(r.cpus, [2, 'x86']);
    assert.equal(r.memory_gib, 2);
    assert.deepEqual(r.nics, [...node1.macs].sort());
    assert.deepEqual(r.simple, [20 * 1024 ** 3]);
    assert.deepEqual(r.volumes, [20 * 1024 ** 3]);
    assert.deepEqual(r.drives, [20 * 1024 ** 3]);
    assert.ok(r.bios.includes('ProcTurboMode'));
    assert.deepEqual(r.managers, ['BMC']);
    assert.deepEqual(r.chassis, ['node-1']);
  }
  assert.ok(out.session.sessions >= 1);
  assert.equal(out.bad, 401);
});

test('the service root is open; everything else needs credentials; sessions come and go', async () => {
  const root = await get('/redfish/v1/', {});
  assert.equal(root.status, 200);
  assert.equal(root.body.Links.Sessions['@odata.id'], '/redfish/v1/SessionService/Sessions');
  assert.equal((await get('/redfish', {})).body.v1, '/redfish/v1/');

  const anon = await get('/redfish/v1/Systems', {});
  assert.equal(anon.status, 401);
  assert.match(anon.headers.get('www-authenticate') ?? '', /^Basic realm=/);
  assert.equal(anon.body.error['@Message.ExtendedInfo'][0].MessageId, 'Base.1.8.NoValidSession');
  assert.equal((await get('/redfish/v1/Systems', { Authorization: 'Basic ' + Buffer.from('admin:wrong').toString('base64') })).status, 401);

  const bad = await send('POST', '/redfish/v1/SessionService/Sessions', { UserName: 'admin', Password: 'wrong' }, {});
  assert.equal(bad.status, 401);
  const login = await send('POST', '/redfish/v1/SessionService/Sessions', { UserName: 'admin', Password: 'c0rrect-horse' }, {});
  assert.equal(login.status, 201);
  const token = login.headers.get('x-auth-token')!;
  const location = login.headers.get('location')!;
  assert.ok(token && token.length >= 32);
  assert.equal(location, login.body!['@odata.id']);
  assert.equal((await get('/redfish/v1/Systems', { 'X-Auth-Token': token })).status, 200);
  assert.equal((await get(location, { 'X-Auth-Token': token })).body.UserName, 'admin');
  assert.equal((await send('DELETE', location, undefined, { 'X-Auth-Token': token })).status, 204);
  assert.equal((await get('/redfish/v1/Systems', { 'X-Auth-Token': token })).status, 401);
});

test('PATCH honours If-Match, and bad requests get Redfish error bodies', async () => {
  const sys0 = await get('/redfish/v1/Systems/node-0');
  const etag = sys0.headers.get('etag')!;
  assert.match(etag, /^"[0-9a-f]{20}"$/);
  const stale = await send('PATCH', '/redfish/v1/Systems/node-0', { Boot: { BootSourceOverrideTarget: 'Hdd' } }, { Authorization: basic, 'If-Match': '"0000"' });
  assert.equal(stale.status, 412);
  assert.equal(stale.body!.error['@Message.ExtendedInfo'][0].MessageId, 'Base.1.8.PreconditionFailed');
  const ok = await send('PATCH', '/redfish/v1/Systems/node-0', { Boot: { BootSourceOverrideTarget: 'Hdd' } }, { Authorization: basic, 'If-Match': etag });
  assert.equal(ok.status, 200);
  // a target without a frequency is a one-time override
  assert.deepEqual([ok.body!.Boot.BootSourceOverrideTarget, ok.body!.Boot.BootSourceOverrideEnabled], ['Hdd', 'Once']);
  assert.notEqual(ok.headers.get('etag'), etag);

  const floppy = await send('PATCH', '/redfish/v1/Systems/node-0', { Boot: { BootSourceOverrideTarget: 'Floppy' } });
  assert.equal(floppy.status, 400);
  const info = floppy.body!.error['@Message.ExtendedInfo'][0];
  assert.equal(info.MessageId, 'Base.1.8.PropertyValueNotInList');
  assert.deepEqual(info.RelatedProperties, ['#/Boot/BootSourceOverrideTarget']);
  assert.equal((await send('PATCH', '/redfish/v1/Systems/node-0', { PowerState: 'On' })).body!.error['@Message.ExtendedInfo'][0].MessageId, 'Base.1.8.PropertyNotWritable');

  const noType = await send('POST', '/redfish/v1/Systems/node-0/Actions/ComputerSystem.Reset', {});
  assert.equal(noType.body!.error['@Message.ExtendedInfo'][0].MessageId, 'Base.1.8.ActionParameterMissing');
  const badType = await send('POST', '/redfish/v1/Systems/node-0/Actions/ComputerSystem.Reset', { ResetType: 'Explode' });
  assert.equal(badType.status, 400);
  assert.equal(badType.body!.error['@Message.ExtendedInfo'][0].MessageId, 'Base.1.8.ActionParameterNotSupported');

  const malformed = await fetch(bmc.url + '/redfish/v1/Systems/node-0', { method: 'PATCH', headers: { Authorization: basic, 'Content-Type': 'application/json' }, body: '{"Boot":' });
  assert.equal(malformed.status, 400);
  assert.equal(((await malformed.json()) as any).error['@Message.ExtendedInfo'][0].MessageId, 'Base.1.8.MalformedJSON');

  const missing = await get('/redfish/v1/Systems/node-9');
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.code, 'Base.1.8.GeneralError');
  assert.equal(missing.body.error['@Message.ExtendedInfo'][0].MessageId, 'Base.1.8.ResourceNotFound');
  const wrongMethod = await send('DELETE', '/redfish/v1/Systems/node-0', undefined);
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.headers.get('allow'), 'GET, PATCH, HEAD');
});

test('a Once override is consumed by the next boot; pending BIOS settings apply at boot', async () => {
  await send('PATCH', '/redfish/v1/Systems/node-2', { Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' } });
  const staged = await send('PATCH', '/redfish/v1/Systems/node-2/Bios/Settings', { Attributes: { ProcTurboMode: 'Disabled' } });
  assert.equal(staged.status, 200);
  assert.equal(staged.body!.Attributes.ProcTurboMode, 'Disabled');
  assert.equal((await get('/redfish/v1/Systems/node-2/Bios')).body.Attributes.ProcTurboMode, 'Enabled');
  const badAttr = await send('PATCH', '/redfish/v1/Systems/node-2/Bios/Settings', { Attributes: { NoSuchThing: 1 } });
  assert.equal(badAttr.body!.error['@Message.ExtendedInfo'][0].MessageId, 'Base.1.8.PropertyUnknown');

  assert.equal((await send('POST', '/redfish/v1/Systems/node-2/Actions/ComputerSystem.Reset', { ResetType: 'On' })).status, 204);
  const after = (await get('/redfish/v1/Systems/node-2')).body;
  assert.equal(after.PowerState, 'On');
  assert.deepEqual([after.Boot.BootSourceOverrideTarget, after.Boot.BootSourceOverrideEnabled], ['None', 'Disabled']);
  assert.equal((await get('/redfish/v1/Systems/node-2/Bios')).body.Attributes.ProcTurboMode, 'Disabled');
  const nic = (await get('/redfish/v1/Systems/node-2/EthernetInterfaces/nic0')).body;
  assert.equal(nic.LinkStatus, 'LinkUp');
  assert.equal(nic.MACAddress, bmc.systems[2].macs[0]);
});

test('with --state, machines survive a BMC restart', async () => {
  await send('PATCH', '/redfish/v1/Systems/node-0', { Boot: { BootSourceOverrideTarget: 'Cd', BootSourceOverrideEnabled: 'Continuous' } });
  await send('POST', '/redfish/v1/Systems/node-0/Actions/ComputerSystem.Reset', { ResetType: 'On' });
  const before = bmc.systems;
  await bmc.stop();
  bmc = await spawnBmc(['--systems', '3', '--username', 'admin', '--password-file', pwFile, '--state', state]);
  assert.deepEqual(bmc.systems, before);
  const s = (await get('/redfish/v1/Systems/node-0')).body;
  assert.equal(s.PowerState, 'On');
  assert.deepEqual([s.Boot.BootSourceOverrideTarget, s.Boot.BootSourceOverrideEnabled], ['Cd', 'Continuous']);
  // sessions do not survive, as on a real BMC
  assert.equal((await get('/redfish/v1/SessionService/Sessions')).body['Members@odata.count'], 0);
});
