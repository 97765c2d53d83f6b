/**
 * MAC addresses as Ironic normalises them (utils.validate_and_normalize_mac):
 * six octets, lower case, colon-separated. iPXE and PXELINUX spell them with
 * hyphens (`${mac:hexhyp}`, `pxelinux.cfg/01-…`), so both forms are accepted.
 */
const MAC = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}$/i;

/** The canonical form (`52:54:00:12:34:56`), or null when `value` is not a MAC address. */
export function normalizeMac(value: string): string | null {
  const v = value.trim();
  return MAC.test(v) ? v.toLowerCase().replace(/-/g, ':') : null;
}

/** iPXE's `${mac:hexhyp}` form: `52-54-00-12-34-56`. */
export function macHexhyp(mac: string): string {
  const m = normalizeMac(mac);
  if (!m) throw new TypeError(`not a MAC address: ${JSON.stringify(mac)}`);
  return m.replace(/:/g, '-');
}
