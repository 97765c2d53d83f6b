/** /v1/drivers (hardware types) and /v1/conductors, after Ironic's driver.py and conductor.py. */
import { INTERFACE_KINDS } from '../drivers/index.js';
import { allConductors, isAlive } from '../db/conductors.js';
import type { Json } from '../db/records.js';
import { conductorNotFound, driverNotFound, invalid, invalidParameter, MetalError, notAcceptable, notFound } from '../conductor/errors.js';
import { ctx, nextLink, type Routes } from './deps.js';
import { fieldList, isoTime, optBool, selfLinks, validateLimit, validateSortDir } from './util.js';
import type { ApiContext } from './context.js';

/** RAID logical disk properties (Ironic's raid_config_schema.json), for drivers with a RAID interface. */
const RAID_PROPERTIES: Json = {
  raid_level: 'RAID level for the logical disk. Valid values are JBOD, 0, 1, 2, 5, 6, 1+0, 5+0 and 6+0. Required.',
  size_gb: 'Size (Integer) of the logical disk to be created in GiB. MAX may be specified if the logical disk should use all of the remaining space available. Required.',
  volume_name: 'Name of the volume. Should be unique within the Node. If not specified, volume name will be auto-generated. Optional.',
  is_root_volume: 'Specifies whether this disk is a root volume. By default, this is False. Optional.',
  share_physical_disks: 'Specifies whether other logical disks can share physical disks with this logical disk. By default, this is False. Optional.',
  disk_type: "The type of disk preferred. Valid values are 'hdd' and 'ssd'. If this is not specified, disk type will not be a criterion to find backing physical disks. Optional.",
  interface_type: "The interface type of disk. Valid values are 'sata', 'scsi' and 'sas'. If this is not specified, interface type will not be a criterion to find backing physical disks. Optional.",
  number_of_physical_disks: 'Number of physical disks to use for this logical disk. By default, the driver uses the minimum number of disks required for that RAID level. Optional.',
  controller: 'Controller to use for this logical disk. If not specified, the driver will choose a suitable RAID controller on the bare metal node. Optional.',
  physical_disks: 'The physical disks to use for this logical disk. If not specified, the driver will choose suitable physical disks to use. Optional.',
};

const DRIVER_IFACE_MIN: Record<string, number> = { storage: 33, rescue: 38, bios: 40 };

export const driverRoutes: Routes = (app, deps) => {
  const c = deps.conductor;

  const driverView = (x: ApiContext, name: string, hosts: string[], detail: boolean, fields?: string[]): Json => {
    const out: Json = { name, hosts, links: selfLinks(x.base, 'drivers', name) };
    if (x.minor >= 14) out.properties = selfLinks(x.base, 'drivers', `${name}/properties`);
    if (x.minor >= 30) {
      out.type = 'dynamic';
      if (detail) {
        const d = deps.drivers.detail(name);
        for (const kind of INTERFACE_KINDS) {
          if (x.minor < (DRIVER_IFACE_MIN[kind] ?? 1)) continue;
          out[`default_${kind}_interface`] = d.defaults[kind];
          out[`enabled_${kind}_interfaces`] = d.enabled[kind];
        }
      }
    }
    if (fields) {
      for (const k of Object.keys(out)) if (!fields.includes(k) && k !== 'links') delete out[k];
      const invalidFields = fields.filter((f) => !(f in out));
      if (invalidFields.length) throw invalidParameter(`Field(s) "${invalidFields.join(', ')}" are not valid`);
    }
    return out;
  };

  /** Hardware types and the live conductors that serve them. */
  const active = async (): Promise<Map<string, string[]>> => {
    const hosts = new Map<string, string[]>();
    const now = Date.now();
    for (const cond of await allConductors(deps.db)) {
      if (cond.hostname !== c.name && !isAlive(cond, c.opts.heartbeatTimeoutMs, now)) continue;
      for (const d of cond.drivers) hosts.set(d, [...(hosts.get(d) ?? []), cond.hostname]);
    }
    // Only hardware types this process can compose (a peer may run a newer version).
    for (const name of [...hosts.keys()]) if (!deps.drivers.hardwareTypes().some((h) => h.name === name)) hosts.delete(name);
    return hosts;
  };

  app.get('/v1/drivers', async (req) => {
    const x = ctx(req, deps);
    const q = req.query as Record<string, string | undefined>;
    const detail = optBool('detail', q.detail);
    const fields = fieldList(q.fields);
    if (fields && detail) throw invalidParameter('Can not specify ?detail=True and fields in the same request.');
    if ((detail !== undefined || q.type !== undefined) && x.minor < 30) throw notAcceptable('Request not acceptable. The minimal required API version should be 1.30');
    if (fields !== undefined && x.minor < 77) throw notAcceptable();
    if (q.type !== undefined && q.type !== 'classic' && q.type !== 'dynamic') throw invalid('"type" filter must be one of "classic" or "dynamic", if specified.');
    const hw = q.type === 'classic' ? new Map<string, string[]>() : await active();
    return { drivers: [...hw.entries()].map(([name, hosts]) => driverView(x, name, hosts, Boolean(detail), fields)) };
  });

  const loadDriver = async (name: string): Promise<string[]> => {
    const hosts = (await active()).get(name);
    if (!hosts) throw driverNotFound(name);
    return hosts;
  };

  app.get('/v1/drivers/:name', async (req) => {
    const x = ctx(req, deps);
    const { name } = req.params as { name: string };
    const fields = fieldList((req.query as Record<string, string | undefined>).fields);
    if (fields !== undefined && x.minor < 77) throw notAcceptable();
    return driverView(x, name, await loadDriver(name), true, fields);
  });

  app.get('/v1/drivers/:name/properties', async (req) => {
    const { name } = req.params as { name: string };
    await loadDriver(name);
    return deps.drivers.properties(name);
  });

  app.get('/v1/drivers/:name/raid/logical_disk_properties', async (req) => {
    const x = ctx(req, deps);
    if (x.minor < 12) throw notAcceptable();
    const { name } = req.params as { name: string };
    await loadDriver(name);
    const raid = deps.drivers.defaultInterface(name, 'raid');
    if (!raid || raid === 'no-raid') throw new MetalError(404, 'UnsupportedDriverExtension', `Driver ${name} does not support raid (disabled or not implemented).`);
    return RAID_PROPERTIES;
  });

  app.get('/v1/drivers/:name/vendor_passthru/methods', async (req) => {
    await loadDriver((req.params as { name: string }).name);
    // Driver-level (node-less) vendor methods: none of Strata's hardware types has any.
    return {};
  });

  app.route({
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    url: '/v1/drivers/:name/vendor_passthru',
    handler: async (req) => {
      const { name } = req.params as { name: string };
      await loadDriver(name);
      const method = (req.query as Record<string, string | undefined>).method;
      if (!method) throw invalidParameter('Method not specified when calling vendor extension.');
      throw invalidParameter(`Unsupported method (${method}) passed through to ${name} driver.`);
    },
  });

  // --- conductors ------------------------------------------------------------------

  const conductorView = (x: ApiContext, cond: Awaited<ReturnType<typeof allConductors>>[number], detail: boolean, fields?: string[]): Json => {
    const alive = cond.hostname === c.name || isAlive(cond, c.opts.heartbeatTimeoutMs);
    const out: Json = { hostname: cond.hostname, conductor_group: cond.conductor_group, alive };
    if (detail) Object.assign(out, { drivers: cond.drivers, created_at: isoTime(cond.created_at), updated_at: isoTime(cond.updated_at) });
    out.links = selfLinks(x.base, 'conductors', cond.hostname);
    if (fields) {
      const known = ['hostname', 'conductor_group', 'alive', 'drivers', 'created_at', 'updated_at'];
      const unknown = fields.filter((f) => !known.includes(f));
      if (unknown.length) throw invalidParameter(`Field(s) "${unknown.join(', ')}" are not valid`);
      const full = { ...out, drivers: cond.drivers, created_at: isoTime(cond.created_at), updated_at: isoTime(cond.updated_at) };
      return Object.fromEntries(Object.entries(full).filter(([k]) => fields.includes(k) || k === 'links'));
    }
    return out;
  };

  app.get('/v1/conductors', async (req) => {
    const x = ctx(req, deps);
    if (x.minor < 49) throw notFound();
    const q = req.query as Record<string, string | undefined>;
    const detail = optBool('detail', q.detail) ?? false;
    const fields = fieldList(q.fields);
    if (fields && detail) throw invalidParameter('Can not specify ?detail=True and fields in the same request.');
    const limit = validateLimit(q.limit, deps.maxLimit);
    const dir = validateSortDir(q.sort_dir);
    const key = q.sort_key ?? 'id';
    if (!['id', 'hostname', 'conductor_group', 'created_at', 'updated_at'].includes(key)) throw invalidParameter(`The sort_key value "${key}" is an invalid field for sorting`);
    let all = await allConductors(deps.db);
    const sortVal = (cond: (typeof all)[number]) => (key === 'id' ? cond.id : (cond as unknown as Record<string, string | number>)[key]);
    all.sort((a, b) => (sortVal(a) < sortVal(b) ? -1 : sortVal(a) > sortVal(b) ? 1 : a.id - b.id) * (dir === 'asc' ? 1 : -1));
    if (q.marker !== undefined) {
      const i = all.findIndex((cond) => cond.hostname === q.marker);
      if (i < 0) throw conductorNotFound(q.marker);
      all = all.slice(i + 1);
    }
    const page = all.slice(0, limit);
    const body: Json = { conductors: page.map((cond) => conductorView(x, cond, detail, fields)) };
    if (page.length === limit && all.length > limit) body.next = nextLink(x.base, 'conductors', { ...q }, limit, page[page.length - 1].hostname);
    return body;
  });

  app.get('/v1/conductors/:hostname', async (req) => {
    const x = ctx(req, deps);
    if (x.minor < 49) throw notFound();
    const { hostname } = req.params as { hostname: string };
    const cond = (await allConductors(deps.db)).find((cd) => cd.hostname === hostname);
    if (!cond) throw conductorNotFound(hostname);
    return conductorView(x, cond, true, fieldList((req.query as Record<string, string | undefined>).fields));
  });
};
