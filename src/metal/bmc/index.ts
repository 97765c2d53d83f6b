export { register } from './cli.js';
export { buildRedfishService, etagOf, type RedfishServiceOptions } from './redfish-service.js';
export { Machines, openMachines, UnknownMachineError, type CreateOptions, type HardwareView, type MachinesOptions } from './machines.js';
export { DirMachineStore, MemoryMachineStore, type MachineStore } from './store.js';
export { startIpmiSim, writeIpmiSimConfig, entryCommand, type IpmiSim, type IpmiSimOptions } from './ipmi-sim.js';
export { runIpmiHook } from './ipmi-hook.js';
export { defaultQemuConfig, qemuCommand, isRunning, stopQemu, consolePath, qmpPath } from './qemu.js';
export { RESET_TYPES, BOOT_TARGETS, macFor, newMachine, type MachineRecord, type QemuConfig, type ResetType, type BootTarget } from './machine.js';
export { spawnBmc, stopMachinesIn, type BmcProcess } from './testing.js';
