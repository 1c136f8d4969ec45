#!/usr/bin/env bash
# make https: 创城督导 behind Caddy with Caddy's own CA, on https://HOST:HTTPS_PORT, for a pilot
# on a LAN. Starts gunicorn (loopback only), the background worker and Caddy in the foreground;
# prints the root certificate's absolute path and the phone install page; Ctrl-C stops all three.
# The database must be migrated first (make https does it through `make demo`).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN=${BIN:-$ROOT/.venv/bin}
HTTPS_PORT=${HTTPS_PORT:-8443}
PORT=${PORT:-8000}
CADDY_HOME=${CADDY_HOME:-$ROOT/instance/caddy}
export PYTHONPATH=$ROOT

# The address phones use: this machine's address on the LAN unless HOST is given.
if [ -z "${HOST:-}" ]; then
  HOST=$(ip -4 route get 1.1.1.1 2>/dev/null | awk '{for (i = 1; i < NF; i++) if ($i == "src") print $(i + 1)}' || true)
  [ -n "$HOST" ] || HOST=$(hostname -I 2>/dev/null | awk '{print $1}' || true)
  [ -n "$HOST" ] || HOST=127.0.0.1
fi

if ! command -v caddy >/dev/null 2>&1; then
  echo "安装 Caddy（Debian 软件包 caddy）…"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq caddy
  # Debian starts its own caddy service on :80; the pilot runs its own instance instead.
  $sudo systemctl disable --now caddy >/dev/null 2>&1 || true
fi

mkdir -p "$CADDY_HOME"
# Caddy keeps its CA under $XDG_DATA_HOME/caddy: a folder of ours, so the path is known.
export XDG_DATA_HOME=$CADDY_HOME XDG_CONFIG_HOME=$CADDY_HOME/config
CERT=$CADDY_HOME/caddy/pki/authorities/local/root.crt
SITES="https://$HOST:$HTTPS_PORT"
[ "$HOST" = 127.0.0.1 ] || SITES="$SITES, https://127.0.0.1:$HTTPS_PORT"
export SITES UPSTREAM="127.0.0.1:$PORT"

# The app: absolute links and the QR code use the phones' address; Caddy compresses and says
# the request came over HTTPS (Secure cookies); exports and sweeps run in the worker.
if [ -z "${SECRET_KEY:-}" ]; then
  [ -s instance/secret_key ] || (umask 077 && "$BIN/python" -c 'import secrets; print(secrets.token_hex(32))' > instance/secret_key)
  SECRET_KEY=$(cat instance/secret_key)
fi
export SECRET_KEY PUBLIC_URL="https://$HOST:$HTTPS_PORT" PROXY_HOPS=1 COMPRESS=0 \
  CA_CERT_PATH=$CERT JOB_RUNNER=worker

pids=()
stop() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT INT TERM

"$BIN/gunicorn" -c gunicorn.conf.py --bind "127.0.0.1:$PORT" server.wsgi:app & pids+=($!)
"$BIN/flask" --app server worker & pids+=($!)
caddy run --config deploy/pilot/Caddyfile --adapter caddyfile & pids+=($!)

for _ in $(seq 1 150); do [ -s "$CERT" ] && break; sleep 0.2; done
if [ ! -s "$CERT" ]; then echo "Caddy 没有生成根证书（见上面的日志）" >&2; exit 1; fi
# The banner once the app answers through Caddy (gunicorn may still be booting).
"$BIN/python" - "https://127.0.0.1:$HTTPS_PORT/healthz" "$CERT" <<'PY' || { echo "应用没有启动（见上面的日志）" >&2; exit 1; }
import ssl, sys, time, urllib.request
context = ssl.create_default_context(cafile=sys.argv[2])
for _ in range(300):
    try:
        urllib.request.urlopen(sys.argv[1], context=context, timeout=2).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.2)
sys.exit(1)
PY
echo
echo "创城督导（HTTPS 试点）→ https://$HOST:$HTTPS_PORT/   （Ctrl-C 停止）"
echo "根证书：$CERT"
echo "手机安装页（含二维码和安装步骤）：https://$HOST:$HTTPS_PORT/install"
echo
wait -n "${pids[@]}"
