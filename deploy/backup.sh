#!/usr/bin/env bash
# 每日备份（chuangcheng-backup.timer）：数据库和全部照片写入一个带日期的文件，完整校验一遍，
# 删除 BACKUP_KEEP_DAYS 天以前的备份。请另外把 BACKUP_DIR 同步到另一台机器或对象存储。
set -euo pipefail
cd "$(dirname "$0")/.."
BACKUP_DIR=${BACKUP_DIR:-/var/backups/chuangcheng}
KEEP_DAYS=${BACKUP_KEEP_DAYS:-14}
FLASK=.venv/bin/flask
[ -x "$FLASK" ] || FLASK=flask  # the container image has no venv
mkdir -p "$BACKUP_DIR"
file="$BACKUP_DIR/chuangcheng-$(date +%Y%m%d-%H%M%S).ccbak"
"$FLASK" --app server backup create "$file"
"$FLASK" --app server backup verify "$file"
find "$BACKUP_DIR" -maxdepth 1 -name 'chuangcheng-*.ccbak' -mtime +"$KEEP_DAYS" -print -delete
