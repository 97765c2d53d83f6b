#!/usr/bin/env bash
# On a machine with an NVIDIA GPU and nvidia-smi: start the server with the
# nvidia driver, discover the GPUs, bind one to a namespaces sandbox (the
# host's /usr shared read-only, so nvidia-smi and its libraries are there;
# its /dev private, holding only the bound GPU's nodes), run `nvidia-smi -L`
# inside, and print JSON saying whether exactly the bound GPU is seen.
# Elsewhere it says why it cannot run and exits 2. Needs root (bubblewrap,
# device nodes) and a built tree (npm run build).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v nvidia-smi >/dev/null || ! nvidia-smi -L >/dev/null 2>&1; then
  echo "gpu-check: no NVIDIA GPU with a working nvidia-smi on this machine; nothing to check" >&2
  exit 2
fi
[ -f dist/cli/main.js ] || npm run build >/dev/null
dir=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
node dist/cli/main.js --json server --listen 127.0.0.1:0 --data "$dir/data" --modules sandbox,accel \
  --accel-drivers nvidia --accel-discovery-interval 0 --log-level warn >"$dir/server.json" 2>"$dir/server.log" &
pid=$!
for _ in $(seq 100); do [ -s "$dir/server.json" ] && grep -q '}' "$dir/server.json" && break; sleep 0.2; done
export STRATA_URL=$(sed -n 's/.*"url": *"\([^"]*\)".*/\1/p' "$dir/server.json")
export STRATA_TOKEN=$(cat "$dir/data/admin-token")
[ -n "$STRATA_URL" ] || { cat "$dir/server.log" >&2; exit 1; }
strata() { node dist/cli/main.js "$@"; }
strata --json accel deployables >"$dir/deployables.json"
strata accel profiles create one-gpu '{"resources:PGPU": "1"}' >/dev/null
inside=$(strata sandbox run --runtime namespaces --mount /usr:/usr:ro --mount /usr/lib:/lib:ro --mount /usr/lib64:/lib64:ro \
  --accelerator one-gpu -- sh -c 'echo "visible=$NVIDIA_VISIBLE_DEVICES"; /usr/bin/nvidia-smi -L' 2>"$dir/run.err" || true)
node - "$dir/deployables.json" "$inside" "$dir/run.err" <<'JS'
const [deps, inside, errFile] = process.argv.slice(2);
const fs = require('node:fs');
const host = JSON.parse(fs.readFileSync(deps, 'utf8')).map((d) => d.attributes.uuid).filter(Boolean);
const bound = (/visible=(\S*)/.exec(inside) ?? [])[1] ?? null;
const seen = [...inside.matchAll(/\(UUID: (GPU-[^)]+)\)/g)].map((m) => m[1]);
const ok = bound !== null && seen.length === 1 && seen[0] === bound;
console.log(JSON.stringify({ host_gpus: host, bound, seen_inside: seen, exactly_bound: ok, error: ok ? undefined : fs.readFileSync(errFile, 'utf8').trim() || undefined }, null, 2));
process.exit(ok ? 0 : 1);
JS
