#!/usr/bin/env bash
# 以服务用户 chuangcheng、带 /etc/chuangcheng/env 的设置运行 flask 命令，例如：
#   sudo /opt/chuangcheng/deploy/manage.sh db upgrade
#   sudo /opt/chuangcheng/deploy/manage.sh users create admin
#   sudo /opt/chuangcheng/deploy/manage.sh backup create /var/backups/chuangcheng/手动-20261202.ccbak
set -euo pipefail
APP_DIR=${APP_DIR:-/opt/chuangcheng}
ENV_FILE=${ENV_FILE:-/etc/chuangcheng/env}
APP_USER=${APP_USER:-chuangcheng}
cd "$APP_DIR"
run=(env PYTHONPATH="$APP_DIR" bash -c 'set -a; . "$0"; set +a; exec "$1"/.venv/bin/flask --app server "${@:2}"' "$ENV_FILE" "$APP_DIR" "$@")
if [ "$(id -un)" = "$APP_USER" ]; then exec "${run[@]}"; fi
exec runuser -u "$APP_USER" -- "${run[@]}"
