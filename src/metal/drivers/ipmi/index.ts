export { createIpmiInterfaces, parseBootParam, parsePowerStatus, type IpmiDriverOptions } from './ipmi.js';
export { IPMI_PROPERTIES, parseIpmiInfo, type IpmiInfo } from './driver-info.js';
export { classifyIpmitoolFailure, ipmitoolArgs, runIpmitool, IPMITOOL_DEFAULTS, type IpmitoolOptions, type IpmitoolResult } from './ipmitool.js';
