/**
 * The agent inside Strata's deploy ramdisk, as busybox shell scripts: /init
 * (network, lookup, heartbeats), the udhcpc event script, the CGI that
 * serves ironic-python-agent's command API through busybox httpd, and the
 * write_image deploy step it runs detached. Kept as TypeScript strings so
 * the compiled server can build the ramdisk without its sources; the
 * ramdisk's cache key hashes them.
 */

/** Bumped when the agent's behaviour changes; sent as agent_version. */
export const AGENT_VERSION = '1.2.0';

/** The agent's command API port (IPA's default). */
export const AGENT_PORT = 9999;

export const INIT_SCRIPT = `#!/bin/sh
# Strata deploy agent: PID 1 of the deploy ramdisk. Brings up the network
# with DHCP, looks its node up at the Ironic-compatible API named by
# ipa-api-url= on the kernel command line, heartbeats with its callback URL
# and agent token, and serves the agent command API on port 9999.
export PATH=/bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /run/strata/commands /tmp /var/run
chmod 700 /run/strata

VERSION=$(cat /etc/strata/version)
PORT=9999
log() { echo "strata-agent: $*"; }
log "starting $VERSION"

for m in $(cat /etc/strata/modules); do
  insmod "/lib/modules/$m.ko" 2>/dev/null || log "could not load module $m"
done

API=
BOOTIF=
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    ipa-api-url=*) [ -z "$API" ] && API=\${arg#ipa-api-url=} ;;
    BOOTIF=*) BOOTIF=$(echo "\${arg#BOOTIF=}" | sed 's/^01-//; s/-/:/g' | tr 'A-F' 'a-f') ;;
    strata-agent-port=*) PORT=\${arg#strata-agent-port=} ;;
  esac
done
API=\${API%%,*}
API=\${API%/}
[ -n "$API" ] || log "no ipa-api-url= on the kernel command line: nothing to report to"
log "API $API, boot NIC \${BOOTIF:-unknown}"

# NICs appear once their drivers bound: wait a little for the first.
i=0
while [ "$i" -lt 50 ] && [ -z "$(ls /sys/class/net | grep -v '^lo$')" ]; do sleep 0.2; i=$((i + 1)); done
ip link set lo up

MACS=
for n in /sys/class/net/*; do
  [ "\${n##*/}" = lo ] && continue
  MACS="$MACS,$(cat "$n/address")"
done
MACS=\${MACS#,}

# DHCP on the NIC we booted from first, then on the others.
IFACE=
for n in /sys/class/net/*; do
  name=\${n##*/}
  [ "$name" = lo ] && continue
  if [ -n "$BOOTIF" ] && [ "$(cat "$n/address")" = "$BOOTIF" ]; then set -- "$name"; break; fi
done
CANDIDATES="$* $(ls /sys/class/net | grep -v '^lo$')"
while [ -z "$IFACE" ]; do
  for name in $CANDIDATES; do
    ip link set "$name" up
    if udhcpc -i "$name" -s /etc/strata/dhcp.sh -t 10 -T 2 -n -p "/run/strata/udhcpc.$name.pid"; then IFACE=$name; break; fi
  done
  [ -n "$IFACE" ] || { log "no DHCP answer on any NIC; retrying"; sleep 5; }
done
IP=$(cat /run/strata/ip)
log "network up: $IFACE $IP (MACs $MACS)"

trap : USR1
echo $$ > /run/strata/agent.pid
httpd -p "$PORT" -h /www
CALLBACK="http://$IP:$PORT"

api() {
  # api OUTFILE URL [wget options...]: one call with a deadline; busybox wget has none of its own.
  out=$1 url=$2
  shift 2
  timeout 30 wget -q -U "strata-agent/$VERSION" --header "X-OpenStack-Ironic-API-Version: 1.68" -O "$out" "$@" "$url"
}

lookup() {
  delay=1
  while :; do
    if api /run/strata/lookup.json "$API/v1/lookup?addresses=$MACS"; then
      UUID=$(sed -n 's/^{"node":{"uuid":"\\([0-9a-fA-F-]*\\)".*/\\1/p' /run/strata/lookup.json)
      TOKEN=$(sed -n 's/.*"agent_token":"\\([A-Za-z0-9_-]*\\)".*/\\1/p' /run/strata/lookup.json)
      TIMEOUT=$(sed -n 's/.*"heartbeat_timeout":\\([0-9][0-9]*\\).*/\\1/p' /run/strata/lookup.json)
      if [ -n "$UUID" ] && [ -n "$TOKEN" ]; then
        log "node $UUID found"
        return 0
      fi
      log "lookup gave no usable node or token (was a token already handed out?)"
    else
      log "lookup at $API failed; retrying in $delay s"
    fi
    sleep "$delay"
    delay=$((delay * 2))
    [ "$delay" -gt 60 ] && delay=60
  done
}

# What the machine has, in ironic-python-agent's inspection format (its
# pci-devices collector): the NICs to find the node by, and every PCI
# function with its NUMA node (accelerators among them).
inventory() {
  printf '{"agent_token":"%s","inventory":{"interfaces":[' "$TOKEN"
  sep=
  for n in /sys/class/net/*; do
    [ "\${n##*/}" = lo ] && continue
    printf '%s{"name":"%s","mac_address":"%s"}' "$sep" "\${n##*/}" "$(cat "$n/address")"
    sep=,
  done
  printf ']},"pci_devices":['
  sep=
  for d in /sys/bus/pci/devices/*; do
    [ -r "$d/vendor" ] || continue
    numa=$(cat "$d/numa_node" 2>/dev/null)
    printf '%s{"bus":"%s","vendor_id":"%s","product_id":"%s","class":"%s","revision":"%s","numa_node":%s}' "$sep" "\${d##*/}" \
      "$(sed 's/^0x//' "$d/vendor")" "$(sed 's/^0x//' "$d/device")" "$(sed 's/^0x//' "$d/class")" "$(sed 's/^0x//' "$d/revision" 2>/dev/null)" "\${numa:--1}"
    sep=,
  done
  printf ']}'
}

while :; do
  lookup
  umask 077
  inventory > /run/strata/inventory.json
  api /dev/null "$API/v1/continue_inspection" --header "Content-Type: application/json" --post-file /run/strata/inventory.json || log "the inventory was not accepted"
  rm -f /run/strata/inventory.json
  echo "$TOKEN" > /run/strata/token
  printf '{"callback_url":"%s","agent_token":"%s","agent_version":"%s"}' "$CALLBACK" "$TOKEN" "$VERSION" > /run/strata/heartbeat.json
  umask 022
  rm -f /run/strata/lookup.json
  interval=$(( \${TIMEOUT:-300} * 4 / 10 ))
  [ "$interval" -lt 5 ] && interval=5
  failures=0
  while [ "$failures" -lt 3 ]; do
    if api /dev/null "$API/v1/heartbeat/$UUID" --header "Content-Type: application/json" --post-file /run/strata/heartbeat.json; then
      [ "$failures" -gt 0 ] && log "heartbeat accepted again"
      failures=0
    else
      failures=$((failures + 1))
      log "heartbeat refused or lost ($failures)"
    fi
    # A finished asynchronous command (write_image) sends USR1 to report at once.
    sleep "$interval" &
    wait $! 2>/dev/null
    kill $! 2>/dev/null
  done
  log "heartbeats keep failing: looking the node up again"
done
`;

export const DHCP_SCRIPT = `#!/bin/sh
# udhcpc event script: configure the address and default route, remember the address.
case "$1" in
  deconfig)
    ip -4 addr flush dev "$interface"
    ip link set "$interface" up
    ;;
  bound|renew)
    if [ "$(cat /run/strata/ip 2>/dev/null)" != "$ip" ]; then
      ip -4 addr flush dev "$interface"
      ip addr add "$ip/\${mask:-24}" dev "$interface"
    fi
    if [ -n "$router" ]; then
      ip route del default 2>/dev/null
      for r in $router; do ip route add default via "$r" dev "$interface" && break; done
    fi
    : > /etc/resolv.conf
    for d in $dns; do echo "nameserver $d" >> /etc/resolv.conf; done
    echo "$ip" > /run/strata/ip
    ;;
esac
exit 0
`;

export const COMMANDS_CGI = `#!/bin/sh
# The agent command API (ironic-python-agent's /v1/commands/), the part
# Strata's conductor uses: commands run at once and their results are kept
# in /run/strata/commands, one JSON document per command.
STATE=/run/strata/commands
VERSION=$(cat /etc/strata/version)

respond() {
  printf 'Status: %s\\r\\nContent-Type: application/json\\r\\nCache-Control: no-store\\r\\n\\r\\n%s\\n' "$1" "$2"
  exit 0
}
fault() { respond "$1" "{\\"faultcode\\":\\"Client\\",\\"faultstring\\":\\"$2\\",\\"debuginfo\\":null}"; }

path=\${REQUEST_URI%%\\?*}
query_param() {
  for kv in $(echo "$QUERY_STRING" | tr '&' ' '); do
    case "$kv" in "$1="*) echo "\${kv#*=}"; return 0 ;; esac
  done
  return 1
}

list() {
  out=
  for f in $(ls "$STATE" 2>/dev/null | sort); do out="$out,$(cat "$STATE/$f")"; done
  respond "200 OK" "{\\"commands\\":[\${out#,}]}"
}

# result NAME STATUS ERROR RESULT: stores and answers one command result.
result() {
  n=$(ls "$STATE" | wc -l)
  id=$(cat /proc/sys/kernel/random/uuid)
  doc="{\\"id\\":\\"$id\\",\\"command_name\\":\\"$1\\",\\"command_params\\":{},\\"command_status\\":\\"$2\\",\\"command_error\\":$3,\\"command_result\\":$4}"
  printf '%s' "$doc" > "$STATE/$(printf '%06d' "$n")-$id.json"
  respond "200 OK" "$doc"
}

run_command() {
  token=$(cat /run/strata/token 2>/dev/null)
  given=$(query_param agent_token)
  if [ -z "$token" ] || [ "$given" != "$token" ]; then fault "401 Unauthorized" "Unauthorized: invalid or missing agent_token"; fi
  body=
  [ -n "$CONTENT_LENGTH" ] && [ "$CONTENT_LENGTH" -gt 0 ] && body=$(head -c "$CONTENT_LENGTH")
  name=$(printf '%s' "$body" | sed -n 's/^{ *"name" *: *"\\([A-Za-z0-9_.]*\\)".*/\\1/p' | head -n 1)
  [ -n "$name" ] || fault "400 Bad Request" "Invalid command: the body needs a name"
  short=\${name#*.}
  managers='{"StrataHardwareManager":[]}'
  deploy_steps='{"StrataHardwareManager":[{"interface":"deploy","step":"write_image","priority":0,"reboot_requested":false,"abortable":false,"argsinfo":{"image_info":{"description":"the image: urls, os_hash_algo, os_hash_value, disk_format raw","required":true}}}]}'
  versions="{\\"StrataHardwareManager\\":\\"$VERSION\\"}"
  # One command at a time, as IPA: a running one makes the agent busy.
  if grep -l '"command_status":"RUNNING"' "$STATE"/* >/dev/null 2>&1; then fault "409 Conflict" "Agent is busy: a command is still running"; fi
  case "$name" in
    standby.sync) sync; result "$short" SUCCEEDED null null ;;
    standby.power_off) (sleep 1; poweroff -f) >/dev/null 2>&1 & result "$short" SUCCEEDED null null ;;
    standby.run_image) (sleep 1; reboot -f) >/dev/null 2>&1 & result "$short" SUCCEEDED null null ;;
    deploy.get_deploy_steps) result "$short" SUCCEEDED null "{\\"deploy_steps\\":$deploy_steps,\\"hardware_manager_version\\":$versions}" ;;
    deploy.execute_deploy_step)
      step=$(printf '%s' "$body" | sed -n 's/.*"step":{"interface":"deploy","step":"\\([a-z_]*\\)".*/\\1/p')
      [ "$step" = write_image ] || fault "400 Bad Request" "Unknown deploy step: deploy.\${step:-?}"
      info=$(printf '%s' "$body" | sed -n 's/.*"image_info":{\\([^}]*\\)}.*/\\1/p')
      url=$(printf '%s' "$info" | sed -n 's/.*"urls":\\["\\([^"]*\\)".*/\\1/p')
      algo=$(printf '%s' "$info" | sed -n 's/.*"os_hash_algo":"\\([a-z0-9]*\\)".*/\\1/p')
      hash=$(printf '%s' "$info" | sed -n 's/.*"os_hash_value":"\\([0-9a-fA-F]*\\)".*/\\1/p')
      format=$(printf '%s' "$info" | sed -n 's/.*"disk_format":"\\([a-z0-9]*\\)".*/\\1/p')
      [ -n "$url" ] && [ -n "$hash" ] || fault "400 Bad Request" "write_image needs image_info with urls and os_hash_value"
      case "$algo" in md5|sha1|sha256|sha512) ;; *) fault "400 Bad Request" "unsupported os_hash_algo: \${algo:-none}" ;; esac
      [ -z "$format" ] || [ "$format" = raw ] || fault "400 Bad Request" "this agent writes raw images only, not $format"
      n=$(ls "$STATE" | wc -l)
      id=$(cat /proc/sys/kernel/random/uuid)
      file="$STATE/$(printf '%06d' "$n")-$id.json"
      doc="{\\"id\\":\\"$id\\",\\"command_name\\":\\"$short\\",\\"command_params\\":{},\\"command_status\\":\\"RUNNING\\",\\"command_error\\":null,\\"command_result\\":null}"
      printf '%s' "$doc" > "$file"
      # Detached: the answer goes now; the result file changes when the image is written.
      setsid /etc/strata/write-image.sh "$file" "$id" "$url" "$algo" "$hash" >/dev/null 2>&1 </dev/null &
      respond "200 OK" "$doc"
      ;;
    clean.get_clean_steps) result "$short" SUCCEEDED null "{\\"clean_steps\\":$managers,\\"hardware_manager_version\\":$versions}" ;;
    log.collect_system_logs)
      rm -rf /tmp/logs && mkdir -p /tmp/logs
      dmesg > /tmp/logs/dmesg.txt 2>&1
      ip addr > /tmp/logs/ip_addr.txt 2>&1
      logs=$(tar -czf - -C /tmp logs | base64 | tr -d '\\n')
      result "$short" SUCCEEDED null "{\\"system_logs\\":\\"$logs\\"}"
      ;;
    *) fault "400 Bad Request" "Unknown command: $name" ;;
  esac
}

case "$REQUEST_METHOD $path" in
  "GET /") respond "200 OK" "{\\"name\\":\\"Strata deploy agent\\",\\"description\\":\\"ironic-python-agent compatible command API\\",\\"versions\\":[{\\"id\\":\\"v1\\"}],\\"agent_version\\":\\"$VERSION\\"}" ;;
  "GET /v1/commands/") list ;;
  "POST /v1/commands/") run_command ;;
  *) fault "404 Not Found" "Not found: $REQUEST_METHOD $path" ;;
esac
`;

export const WRITE_IMAGE_SCRIPT = `#!/bin/sh
# The write_image deploy step, run detached by the command API: streams the
# image onto the first disk while hashing it, records the result where
# GET /v1/commands/ finds it, and asks /init to heartbeat at once.
# write-image.sh RESULT_FILE ID URL ALGO HASH
set -o pipefail
file=$1 id=$2 url=$3 algo=$4 want=$5
finish() {
  printf '{"id":"%s","command_name":"execute_deploy_step","command_params":{},"command_status":"%s","command_error":%s,"command_result":%s}' "$id" "$1" "$2" "$3" > "$file.tmp"
  mv "$file.tmp" "$file"
  kill -USR1 "$(cat /run/strata/agent.pid)" 2>/dev/null
  exit 0
}
error() { finish FAILED "{\\"type\\":\\"$1\\",\\"code\\":500,\\"message\\":\\"$2\\",\\"details\\":\\"$2\\"}" null; }
disk=
for d in $(ls /sys/block | sort); do
  case "$d" in
    vd*|sd*|hd*|nvme*n*) [ "$(cat "/sys/block/$d/removable" 2>/dev/null)" = 1 ] || { disk=$d; break; } ;;
  esac
done
[ -n "$disk" ] || error DeviceNotFound "no disk to write the image to"
echo "strata-agent: writing $url to /dev/$disk" > /dev/console
got=$(timeout 3600 wget -q -O - "$url" | tee "/dev/$disk" | "\${algo}sum" | cut -d' ' -f1) || error ImageDownloadError "downloading $url failed"
sync
blockdev --flushbufs "/dev/$disk" 2>/dev/null
if [ "$(echo "$got" | tr 'A-F' 'a-f')" != "$(echo "$want" | tr 'A-F' 'a-f')" ]; then
  dd if=/dev/zero of="/dev/$disk" bs=1M count=1 conv=fsync 2>/dev/null
  error ImageChecksumError "the image $algo is $got, expected $want; the first MiB of /dev/$disk was wiped"
fi
echo "strata-agent: wrote $url to /dev/$disk ($algo $got)" > /dev/console
finish SUCCEEDED null "{\\"deploy_result\\":{\\"root_device\\":\\"/dev/$disk\\"},\\"deploy_step\\":{\\"interface\\":\\"deploy\\",\\"step\\":\\"write_image\\"}}"
`;
