export { createRedfishInterfaces, localGbFrom, type RedfishDriverOptions } from './redfish.js';
export { RedfishClient, RedfishClientCache, redfishErrorMessage, type AuthType, type RedfishEndpoint, type RedfishResponse } from './client.js';
export { parseRedfishInfo, REDFISH_PROPERTIES, type RedfishInfo } from './driver-info.js';
