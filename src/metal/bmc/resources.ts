/**
 * Redfish resources of the virtual BMC, rendered from machine records: the
 * DMTF schema shapes that sushy reads and sushy-tools serves (ServiceRoot,
 * ComputerSystem, Processor, Memory, EthernetInterface, SimpleStorage,
 * Storage/Drive/Volume, Bios, Manager, Chassis, SessionService, Session).
 * Pure functions; the service adds headers (ETag) and authentication.
 */
import type { HardwareView } from './machines.js';
import { RESET_TYPES, BOOT_TARGETS, type BootModeName, type MachineRecord } from './machine.js';

export const ROOT = '/redfish/v1';
type Json = Record<string, unknown>;

const status = (enabled = true) => ({ State: enabled ? 'Enabled' : 'Disabled', Health: 'OK' });
const ref = (path: string) => ({ '@odata.id': path });
const sys = (r: MachineRecord) => `${ROOT}/Systems/${r.id}`;

function collection(type: string, name: string, path: string, members: string[]): Json {
  return {
    '@odata.type': `#${type}.${type}`,
    '@odata.id': path,
    Name: name,
    'Members@odata.count': members.length,
    Members: members.map(ref),
  };
}

export function serviceRoot(serviceUuid: string): Json {
  return {
    '@odata.type': '#ServiceRoot.v1_5_0.ServiceRoot',
    '@odata.id': `${ROOT}/`,
    Id: 'RootService',
    Name: 'Strata virtual BMC',
    RedfishVersion: '1.5.0',
    UUID: serviceUuid,
    Product: 'Strata virtual BMC',
    Vendor: 'Strata',
    Systems: ref(`${ROOT}/Systems`),
    Managers: ref(`${ROOT}/Managers`),
    Chassis: ref(`${ROOT}/Chassis`),
    SessionService: ref(`${ROOT}/SessionService`),
    Links: { Sessions: ref(`${ROOT}/SessionService/Sessions`) },
  };
}

export const systemCollection = (rs: MachineRecord[]) => collection('ComputerSystemCollection', 'Computer System Collection', `${ROOT}/Systems`, rs.map(sys));
export const managerCollection = (rs: MachineRecord[]) => collection('ManagerCollection', 'Manager Collection', `${ROOT}/Managers`, rs.map((r) => `${ROOT}/Managers/${r.id}`));
export const chassisCollection = (rs: MachineRecord[]) => collection('ChassisCollection', 'Chassis Collection', `${ROOT}/Chassis`, rs.map((r) => `${ROOT}/Chassis/${r.id}`));

export function system(r: MachineRecord, hw: HardwareView, bootModes: readonly BootModeName[]): Json {
  const base = sys(r);
  return {
    '@odata.type': '#ComputerSystem.v1_13_0.ComputerSystem',
    '@odata.id': base,
    Id: r.id,
    Name: r.name,
    UUID: r.uuid,
    Manufacturer: 'Strata',
    Model: r.qemu ? 'QEMU virtual machine' : 'Emulated machine',
    SerialNumber: r.id,
    SystemType: r.qemu ? 'Virtual' : 'Physical',
    Status: status(),
    PowerState: r.power,
    IndicatorLED: r.indicatorLed,
    Boot: {
      BootSourceOverrideEnabled: r.boot.enabled,
      BootSourceOverrideTarget: r.boot.target,
      'BootSourceOverrideTarget@Redfish.AllowableValues': [...BOOT_TARGETS],
      BootSourceOverrideMode: r.boot.mode,
      'BootSourceOverrideMode@Redfish.AllowableValues': [...bootModes],
    },
    ProcessorSummary: { Count: hw.cpus, Model: processorModel(r), Status: status() },
    MemorySummary: { TotalSystemMemoryGiB: Math.round((hw.memoryMiB / 1024) * 1000) / 1000, Status: status() },
    BiosVersion: 'strata-bmc-1.0',
    Processors: ref(`${base}/Processors`),
    Memory: ref(`${base}/Memory`),
    EthernetInterfaces: ref(`${base}/EthernetInterfaces`),
    SimpleStorage: ref(`${base}/SimpleStorage`),
    Storage: ref(`${base}/Storage`),
    Bios: ref(`${base}/Bios`),
    Links: { Chassis: [ref(`${ROOT}/Chassis/${r.id}`)], ManagedBy: [ref(`${ROOT}/Managers/${r.id}`)] },
    Actions: {
      '#ComputerSystem.Reset': {
        target: `${base}/Actions/ComputerSystem.Reset`,
        'ResetType@Redfish.AllowableValues': [...RESET_TYPES],
      },
    },
  };
}

const processorModel = (r: MachineRecord) => (r.qemu ? (r.qemu.accel === 'kvm' ? 'host CPU (KVM)' : 'QEMU TCG CPU') : 'Emulated CPU');

export function processors(r: MachineRecord): Json {
  return collection('ProcessorCollection', 'Processors Collection', `${sys(r)}/Processors`, [`${sys(r)}/Processors/CPU0`]);
}

/** One socket holding every vCPU, one thread per core. */
export function processor(r: MachineRecord, hw: HardwareView, id: string): Json | undefined {
  if (id !== 'CPU0') return undefined;
  return {
    '@odata.type': '#Processor.v1_0_7.Processor',
    '@odata.id': `${sys(r)}/Processors/CPU0`,
    Id: 'CPU0',
    Name: 'Processor',
    Socket: 'CPU 0',
    ProcessorType: 'CPU',
    ProcessorArchitecture: 'x86',
    InstructionSet: 'x86-64',
    Manufacturer: 'QEMU',
    Model: processorModel(r),
    TotalCores: hw.cpus,
    TotalThreads: hw.cpus,
    Status: status(),
  };
}

export function memoryCollection(r: MachineRecord): Json {
  return collection('MemoryCollection', 'Memory Module Collection', `${sys(r)}/Memory`, [`${sys(r)}/Memory/DIMM0`]);
}

export function memory(r: MachineRecord, hw: HardwareView, id: string): Json | undefined {
  if (id !== 'DIMM0') return undefined;
  return {
    '@odata.type': '#Memory.v1_7_0.Memory',
    '@odata.id': `${sys(r)}/Memory/DIMM0`,
    Id: 'DIMM0',
    Name: 'DIMM0',
    CapacityMiB: hw.memoryMiB,
    MemoryDeviceType: 'DDR4',
    MemoryType: 'DRAM',
    Status: status(),
  };
}

export function ethernetInterfaces(r: MachineRecord, hw: HardwareView): Json {
  return collection('EthernetInterfaceCollection', 'Ethernet Interface Collection', `${sys(r)}/EthernetInterfaces`, hw.nics.map((n) => `${sys(r)}/EthernetInterfaces/${n.id}`));
}

export function ethernetInterface(r: MachineRecord, hw: HardwareView, id: string): Json | undefined {
  const n = hw.nics.find((x) => x.id === id);
  if (!n) return undefined;
  return {
    '@odata.type': '#EthernetInterface.v1_4_0.EthernetInterface',
    '@odata.id': `${sys(r)}/EthernetInterfaces/${n.id}`,
    Id: n.id,
    Name: `VNIC ${n.id}`,
    Status: status(),
    LinkStatus: n.linkUp ? 'LinkUp' : 'LinkDown',
    InterfaceEnabled: true,
    MACAddress: n.mac,
    PermanentMACAddress: n.mac,
  };
}

export function simpleStorageCollection(r: MachineRecord): Json {
  return collection('SimpleStorageCollection', 'Simple Storage Collection', `${sys(r)}/SimpleStorage`, [`${sys(r)}/SimpleStorage/1`]);
}

export function simpleStorage(r: MachineRecord, hw: HardwareView, id: string): Json | undefined {
  if (id !== '1') return undefined;
  return {
    '@odata.type': '#SimpleStorage.v1_2_0.SimpleStorage',
    '@odata.id': `${sys(r)}/SimpleStorage/1`,
    Id: '1',
    Name: 'virtio-blk Controller',
    Status: status(),
    Devices: hw.disks.map((d) => ({ Name: d.name, CapacityBytes: d.sizeBytes, Status: status() })),
  };
}

export function storageCollection(r: MachineRecord): Json {
  return collection('StorageCollection', 'Storage Collection', `${sys(r)}/Storage`, [`${sys(r)}/Storage/1`]);
}

export function storage(r: MachineRecord, hw: HardwareView, id: string): Json | undefined {
  if (id !== '1') return undefined;
  const base = `${sys(r)}/Storage/1`;
  return {
    '@odata.type': '#Storage.v1_4_0.Storage',
    '@odata.id': base,
    Id: '1',
    Name: 'Local Storage Controller',
    Status: status(),
    StorageControllers: [
      {
        '@odata.id': `${base}#/StorageControllers/0`,
        MemberId: '0',
        Name: 'virtio-blk',
        Status: status(),
        SupportedControllerProtocols: ['PCIe'],
        SupportedDeviceProtocols: ['PCIe'],
      },
    ],
    Drives: hw.disks.map((d) => ref(`${base}/Drives/${d.id}`)),
    'Drives@odata.count': hw.disks.length,
    Volumes: ref(`${base}/Volumes`),
  };
}

export function drive(r: MachineRecord, hw: HardwareView, storageId: string, id: string): Json | undefined {
  const d = storageId === '1' ? hw.disks.find((x) => x.id === id) : undefined;
  if (!d) return undefined;
  return {
    '@odata.type': '#Drive.v1_4_0.Drive',
    '@odata.id': `${sys(r)}/Storage/1/Drives/${d.id}`,
    Id: d.id,
    Name: d.name,
    CapacityBytes: d.sizeBytes,
    Protocol: 'PCIe',
    MediaType: 'SSD',
    Manufacturer: 'QEMU',
    Model: 'virtio-blk',
    SerialNumber: d.id,
    Status: status(),
  };
}

export function volumes(r: MachineRecord, hw: HardwareView, storageId: string): Json | undefined {
  if (storageId !== '1') return undefined;
  return collection('VolumeCollection', 'Storage Volume Collection', `${sys(r)}/Storage/1/Volumes`, hw.disks.map((d) => `${sys(r)}/Storage/1/Volumes/${d.id}`));
}

export function volume(r: MachineRecord, hw: HardwareView, storageId: string, id: string): Json | undefined {
  const d = storageId === '1' ? hw.disks.find((x) => x.id === id) : undefined;
  if (!d) return undefined;
  return {
    '@odata.type': '#Volume.v1_0_3.Volume',
    '@odata.id': `${sys(r)}/Storage/1/Volumes/${d.id}`,
    Id: d.id,
    Name: d.name,
    Status: status(),
    Encrypted: false,
    VolumeType: 'RawDevice',
    CapacityBytes: d.sizeBytes,
  };
}

export function bios(r: MachineRecord): Json {
  const base = `${sys(r)}/Bios`;
  return {
    '@odata.type': '#Bios.v1_0_0.Bios',
    '@odata.id': base,
    Id: 'Bios',
    Name: 'BIOS Configuration Current Settings',
    AttributeRegistry: 'BiosAttributeRegistry.v1_0_0',
    Attributes: r.bios.current,
    '@Redfish.Settings': { '@odata.type': '#Settings.v1_0_0.Settings', SettingsObject: ref(`${base}/Settings`) },
    Actions: {
      '#Bios.ResetBios': { target: `${base}/Actions/Bios.ResetBios` },
    },
  };
}

export function biosSettings(r: MachineRecord): Json {
  return {
    '@odata.type': '#Bios.v1_0_0.Bios',
    '@odata.id': `${sys(r)}/Bios/Settings`,
    Id: 'Settings',
    Name: 'BIOS Configuration Pending Settings',
    AttributeRegistry: 'BiosAttributeRegistry.v1_0_0',
    Attributes: { ...r.bios.current, ...(r.bios.pending ?? {}) },
  };
}

export function manager(r: MachineRecord): Json {
  return {
    '@odata.type': '#Manager.v1_3_1.Manager',
    '@odata.id': `${ROOT}/Managers/${r.id}`,
    Id: r.id,
    Name: `BMC of ${r.name}`,
    UUID: r.uuid,
    ManagerType: 'BMC',
    Model: 'Strata virtual BMC',
    FirmwareVersion: '1.0',
    PowerState: 'On',
    Status: status(),
    Links: { ManagerForServers: [ref(sys(r))], ManagerForChassis: [ref(`${ROOT}/Chassis/${r.id}`)] },
  };
}

export function chassis(r: MachineRecord): Json {
  return {
    '@odata.type': '#Chassis.v1_5_0.Chassis',
    '@odata.id': `${ROOT}/Chassis/${r.id}`,
    Id: r.id,
    Name: `Chassis of ${r.name}`,
    UUID: r.uuid,
    ChassisType: r.qemu ? 'Component' : 'RackMount',
    Manufacturer: 'Strata',
    PowerState: r.power,
    IndicatorLED: r.indicatorLed,
    Status: status(),
    Links: { ComputerSystems: [ref(sys(r))], ManagedBy: [ref(`${ROOT}/Managers/${r.id}`)] },
  };
}

export function sessionService(timeoutS: number): Json {
  return {
    '@odata.type': '#SessionService.v1_1_3.SessionService',
    '@odata.id': `${ROOT}/SessionService`,
    Id: 'SessionService',
    Name: 'Session Service',
    ServiceEnabled: true,
    SessionTimeout: timeoutS,
    Status: status(),
    Sessions: ref(`${ROOT}/SessionService/Sessions`),
  };
}

export const sessionCollection = (ids: string[]) => collection('SessionCollection', 'Session Collection', `${ROOT}/SessionService/Sessions`, ids.map((i) => `${ROOT}/SessionService/Sessions/${i}`));

export function session(id: string, user: string): Json {
  return {
    '@odata.type': '#Session.v1_1_0.Session',
    '@odata.id': `${ROOT}/SessionService/Sessions/${id}`,
    Id: id,
    Name: `Session ${id}`,
    UserName: user,
  };
}

export type MessageId =
  | 'GeneralError'
  | 'ResourceNotFound'
  | 'NoValidSession'
  | 'InsufficientPrivilege'
  | 'PreconditionFailed'
  | 'MalformedJSON'
  | 'PropertyValueNotInList'
  | 'PropertyValueTypeError'
  | 'PropertyUnknown'
  | 'PropertyNotWritable'
  | 'ActionParameterMissing'
  | 'ActionParameterNotSupported'
  | 'OperationNotAllowed'
  | 'InternalError';

/** A Redfish error body (DSP0266 §9.6): a general error with one message in ExtendedInfo. */
export function errorBody(messageId: MessageId, message: string, related?: string[]): Json {
  return {
    error: {
      code: 'Base.1.8.GeneralError',
      message,
      '@Message.ExtendedInfo': [
        {
          '@odata.type': '#Message.v1_1_1.Message',
          MessageId: `Base.1.8.${messageId}`,
          Message: message,
          ...(related?.length ? { RelatedProperties: related.map((p) => `#/${p}`) } : {}),
          Severity: messageId === 'InternalError' || messageId === 'GeneralError' ? 'Critical' : 'Warning',
        },
      ],
    },
  };
}
