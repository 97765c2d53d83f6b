// Accelerators (the accel module, Cyborg's API): devices with their status,
// the deployables they offer (used of capacity, bitstream, fault), device
// profiles, and accelerator requests with their state in the ARQ table.
// Admins may enable or disable a device; members may delete a request.
import type { PageDef, PageProps } from '../registry.ts';
import { useLive } from '../../shell/live.ts';
import { LinkBadge, okBody, UpdateError } from '../../shell/status.tsx';
import { PlainTable } from '../../shell/plain-table.tsx';
import { VirtualTable, type Column } from '../../shell/virtual-table.tsx';
import { ActionButton } from '../../shell/confirm.tsx';
import { call, canAct, isAdmin } from '../../shell/api.ts';

const API = '/accelerator/v2';
export const ACCEL_PATHS = {
  devices: `${API}/devices`,
  deployables: `${API}/deployables`,
  profiles: `${API}/device_profiles`,
  arqs: `${API}/accelerator_requests`,
};

const short = (uuid: string | null | undefined) => (uuid ? uuid.slice(0, 8) : '—');

/** "3 of 16" accelerators in use, from a deployable's Strata fields. */
export function usage(d: any): string {
  const cap = d.capacity ?? d.num_accelerators;
  return `${d.used ?? 0} of ${cap}`;
}

function Accelerators({ me }: PageProps) {
  const live = useLive(Object.values(ACCEL_PATHS));
  const got = (p: string, key: string) => (okBody(live.get(p))?.[key] ?? []) as any[];
  const devices = got(ACCEL_PATHS.devices, 'devices');
  const deployables = got(ACCEL_PATHS.deployables, 'deployables');
  const profiles = got(ACCEL_PATHS.profiles, 'device_profiles');
  const arqs = got(ACCEL_PATHS.arqs, 'arqs');
  const deviceOf = new Map(devices.map((d) => [d.uuid, d]));

  const deviceColumns: Column<any>[] = [
    { title: 'Device', cell: (d) => <code title={d.uuid}>{short(d.uuid)}</code> },
    { title: 'Type', cell: (d) => d.type },
    { title: 'Vendor / model', cell: (d) => `${d.vendor} ${d.model ?? ''}` },
    { title: 'Host', cell: (d) => d.hostname },
    { title: 'Address', cell: (d) => <code>{d.address ?? '—'}</code> },
    { title: 'Driver', cell: (d) => d.driver_name },
    { title: 'Status', cell: (d) => <span class={d.status === 'enabled' ? 'ok' : 'bad'} data-testid="device-status">{d.status ?? '—'}{d.missing ? ' (missing)' : ''}</span> },
    ...(isAdmin(me)
      ? [{
          title: 'Actions',
          cell: (d: any) => {
            const verb = d.status === 'enabled' ? 'disable' : 'enable';
            return <ActionButton label={verb} question={`${verb[0]!.toUpperCase()}${verb.slice(1)} device ${d.type} ${d.address ?? d.uuid} on ${d.hostname}?`} run={() => call('POST', `${ACCEL_PATHS.devices}/${d.uuid}/${verb}`)} />;
          },
        }]
      : []),
  ];
  const deployableColumns: Column<any>[] = [
    { title: 'Deployable', cell: (d) => d.name, width: '22%' },
    { title: 'Device', cell: (d) => { const dev = deviceOf.get(d.device_id); return dev ? `${dev.type} ${dev.address ?? ''}` : short(d.device_id); }, width: '16%' },
    { title: 'Resource class', cell: (d) => d.resource_class ?? '—', width: '12%' },
    { title: 'In use', cell: (d) => <span data-testid="deployable-use">{usage(d)}</span>, width: '9%' },
    { title: 'Bitstream', cell: (d) => d.bitstream_id ?? '—', width: '14%' },
    { title: 'Host', cell: (d) => d.hostname, width: '12%' },
    { title: 'Fault', cell: (d) => <span class={d.fault ? 'bad' : ''}>{d.fault ?? ''}</span> },
  ];
  const profileColumns: Column<any>[] = [
    { title: 'Profile', cell: (p) => p.name },
    { title: 'Description', cell: (p) => p.description ?? '' },
    { title: 'Groups', cell: (p) => <code>{JSON.stringify(p.groups)}</code> },
  ];
  const arqColumns: Column<any>[] = [
    { title: 'Request', cell: (a) => <code title={a.uuid}>{short(a.uuid)}</code>, width: '10%' },
    { title: 'State', cell: (a) => <span class={`arq-${a.state}`} data-testid="arq-state">{a.state}</span>, width: '11%' },
    { title: 'Profile / group', cell: (a) => `${a.device_profile_name} / ${a.device_profile_group_id}`, width: '16%' },
    { title: 'Host', cell: (a) => a.hostname ?? '—', width: '12%' },
    { title: 'Instance', cell: (a) => <code title={a.instance_uuid ?? ''}>{a.instance_uuid ?? '—'}</code>, width: '18%' },
    { title: 'Project', cell: (a) => a.project_id ?? '', width: '9%' },
    { title: 'Reason', cell: (a) => <span title={a.reason ?? ''}>{a.reason ?? ''}</span> },
    ...(canAct(me)
      ? [{ title: 'Actions', width: '12%', cell: (a: any) => <ActionButton label="delete" question={`Delete accelerator request ${a.uuid} (${a.state})?`} run={() => call('DELETE', `${ACCEL_PATHS.arqs}/${a.uuid}`)} /> }]
      : []),
  ];
  return (
    <section aria-labelledby="h-accel">
      <div class="toolbar"><h1 id="h-accel">Accelerators</h1><LinkBadge state={live.state} problem={live.problem} /></div>
      {Object.entries(ACCEL_PATHS).map(([what, p]) => <UpdateError key={p} u={live.get(p)} what={what} />)}
      <h2>Devices</h2>
      <PlainTable caption="Devices" rows={devices} columns={deviceColumns} rowKey={(d) => d.uuid} empty="No devices found on this server's hosts." testId="devices" />
      <h2>Deployables</h2>
      <VirtualTable caption="Deployables" rows={deployables} columns={deployableColumns} rowKey={(d) => d.uuid} height={Math.min(320, 40 + 32 * deployables.length)} testId="deployables" />
      <h2>Device profiles</h2>
      <PlainTable caption="Device profiles" rows={profiles} columns={profileColumns} rowKey={(p) => p.uuid} empty="No device profiles." testId="profiles" />
      <h2>Accelerator requests</h2>
      <VirtualTable caption="Accelerator requests" rows={arqs} columns={arqColumns} rowKey={(a) => a.uuid} height={Math.min(400, 40 + 32 * arqs.length)} testId="arqs" />
    </section>
  );
}

export const accelPages: PageDef[] = [{ path: '/accelerators', title: 'Accelerators', module: 'accel', nav: true, component: Accelerators }];
