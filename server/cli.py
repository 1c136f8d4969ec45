"""Command-line entry points: flask --app server <group> <command>."""
import json

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from .extensions import db
from .timeutil import parse_iso, utcnow

demo_cli = AppGroup("demo", help="Demo data.")
deadlines_cli = AppGroup("deadlines", help="Deadlines and prompt letters.")
data_cli = AppGroup("data", help="Reference data imports.")
users_cli = AppGroup("users", help="Accounts from a shell (the first admin of an empty install).")


@demo_cli.command("load")
def demo_load():
    """Load the demo street (communities, points, accounts, checklists, calendar)."""
    from .demo import load_demo

    counts = load_demo(current_app.config["DEMO_PASSWORD"])
    click.echo("演示数据已就绪：" + json.dumps(counts, ensure_ascii=False))


@demo_cli.command("load-if-empty")
def demo_load_if_empty():
    """Load the demo street only when there are no users yet."""
    from .demo import load_demo
    from .models import User

    if db.session.query(User).count():
        click.echo("数据库已有数据，跳过演示数据加载。")
        return
    counts = load_demo(current_app.config["DEMO_PASSWORD"])
    click.echo("演示数据已加载：" + json.dumps(counts, ensure_ascii=False))
    if current_app.config["DEMO_FINDINGS"]:
        from .demo.findings import load_demo_findings

        click.echo(f"演示问题已生成：{load_demo_findings()} 个（近两周，各种状态）")


@demo_cli.command("findings")
@click.option("--days", default=14, show_default=True)
@click.option("--per-day", default=4, show_default=True)
def demo_findings(days, per_day):
    """Generate demo inspections and findings over the past days, in every state."""
    from .demo.findings import load_demo_findings

    click.echo(f"演示问题已生成：{load_demo_findings(days, per_day)} 个")


@demo_cli.command("accounts")
def demo_accounts():
    """Print the demo accounts and the password."""
    from .demo import accounts

    click.echo(f"演示账号（密码均为 DEMO_PASSWORD：{current_app.config['DEMO_PASSWORD']}）：")
    for a in accounts():
        click.echo(f"  {a['username']:<12} {a['role']:<11} {a['display_name']}")


@deadlines_cli.command("sweep")
@click.option("--at", "at", default=None, help="ISO time with offset (for back-filling and tests).")
def deadlines_sweep(at):
    """Gather newly overdue problems into prompt letters, one per unit (drafts under review)."""
    from .services.deadlines import sweep

    try:
        when = parse_iso(at) if at else utcnow()
    except ValueError:
        raise click.BadParameter("须为带时区的 ISO 8601 时间，如 2026-11-30T09:00:00+08:00") from None
    letters = sweep(when)
    db.session.commit()
    issued = [x for x in letters if x.status == "issued"]
    drafts = [x for x in letters if x.status == "draft"]
    click.echo(f"已制发提示函 {len(issued)} 件")
    for letter in issued:
        click.echo(f"  {letter.number}")
    if drafts:
        click.echo(f"提示函草稿 {len(drafts)} 件待审核签发（{sum(len(x.finding_ids) for x in drafts)} 个问题）")


@data_cli.command("import-boundaries")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_boundaries_cmd(path):
    """Replace community boundaries from a GeoJSON FeatureCollection (properties: code, name)."""
    from .demo import import_boundaries

    with open(path, encoding="utf-8") as fh:
        collection = json.load(fh)
    try:
        names = import_boundaries(collection, demo=False)
    except (KeyError, TypeError) as err:
        raise click.ClickException(f"GeoJSON 格式不符：缺少 {err}") from None
    db.session.commit()
    click.echo("已导入边界：" + "、".join(names))


@data_cli.command("seed-calendar")
def seed_calendar_cmd():
    """Fill the holiday table from chinese-calendar."""
    from .demo import seed_calendar

    n = seed_calendar()
    db.session.commit()
    click.echo(f"节假日表新增 {n} 行")


@data_cli.command("seed")
def seed_reference_cmd():
    """Seed the checklist catalogue and the holiday calendar (adds only what is missing)."""
    counts = _seed_reference()
    click.echo("检查表与节假日已就绪：" + json.dumps(counts, ensure_ascii=False))


def _seed_reference() -> dict:
    """Seed the catalogue and the calendar, committed."""
    from .demo import seed_calendar
    from .services.catalogue import seed_catalogue

    counts = seed_catalogue()
    counts["calendar_rows_added"] = seed_calendar()
    db.session.commit()
    return counts


def _fail(err) -> None:
    """Turn an API error into a one-line CLI error."""
    fields = "；".join(f"{k}：{v}" for k, v in getattr(err, "fields", {}).items())
    raise click.ClickException(err.message + (f"（{fields}）" if fields else ""))


@users_cli.command("create")
@click.argument("username")
@click.option("--role", default="admin", show_default=True,
              type=click.Choice(["admin", "supervisor", "leader", "inspector", "community"]))
@click.option("--name", "display_name", default=None, help="显示名（默认同用户名）")
@click.option("--unit", default=None, help="所属单位名称（责任单位人员必填）")
def users_create(username, role, display_name, unit):
    """Create an account with a temporary password, printed once (changed at first login)."""
    from .errors import ApiError
    from .models import Unit
    from .services import people

    _seed_reference()
    unit_id = None
    if unit:
        unit_id = db.session.scalar(db.select(Unit.id).where(Unit.name == unit))
        if unit_id is None:
            raise click.ClickException(f"没有名为“{unit}”的单位")
    try:
        user, password = people.create(None, {"username": username, "display_name": display_name or username,
                                               "role": role, "unit_id": unit_id, "phone": ""})
    except ApiError as err:
        _fail(err)
    db.session.commit()
    click.echo(f"已创建 {user.username}（{people.ROLE_NAMES[role]}）")
    click.echo(f"临时密码：{password}")
    click.echo("首次登录后须修改密码。")


@users_cli.command("reset-password")
@click.argument("username")
def users_reset_password(username):
    """Give an account a new temporary password, printed once; its sessions end."""
    from .models import User
    from .services import people

    user = db.session.scalar(db.select(User).where(db.func.lower(User.username) == username.lower()))
    if user is None:
        raise click.ClickException(f"没有用户名为“{username}”的账号")
    password = people.reset_password(None, user)
    db.session.commit()
    click.echo(f"{user.username} 的临时密码：{password}")
    click.echo("首次登录后须修改密码。")


def register(app: Flask) -> None:
    """Attach the command groups to the app."""
    for group in (demo_cli, deadlines_cli, data_cli, users_cli):
        app.cli.add_command(group)
    app.cli.add_command(backup_cli)
    app.cli.add_command(worker_cmd)


# ---------------------------------------------------------------------------- operations

backup_cli = AppGroup("backup", help="Backups: the database and every photo in one file.")


def _backup_failed(message: str) -> None:
    """One clear line on standard error, and a non-zero exit."""
    click.echo(f"错误：{message}", err=True)
    raise SystemExit(1)


@backup_cli.command("create")
@click.argument("path", type=click.Path(dir_okay=False))
def backup_create(path):
    """Write every table and every photo (originals and derived copies) to PATH."""
    from sqlalchemy.exc import SQLAlchemyError

    from .services import backup
    from .services.storage import StorageError

    try:
        summary = backup.create(path, current_app.extensions["storage"])
    except backup.BackupError as err:
        _backup_failed(str(err))
    except StorageError as err:
        _backup_failed(f"读取照片存储失败，未生成备份：{err}")
    except SQLAlchemyError as err:
        _backup_failed(f"读取数据库失败，未生成备份：{str(getattr(err, 'orig', err)).strip().splitlines()[0]}")
    click.echo(f"已备份到 {path}：{summary.line()}")


@backup_cli.command("verify")
@click.argument("path", type=click.Path(dir_okay=False))
def backup_verify(path):
    """Check a backup file completely (every member against its SHA-256) without restoring."""
    from .services import backup

    try:
        manifest = backup.verify(path)
    except backup.BackupError as err:
        _backup_failed(str(err))
    click.echo(f"备份完好：{path}（{manifest['created_at']}，问题 "
               f"{manifest['tables'].get('findings', 0)} 个，照片原图 {manifest['originals']} 张）")


@backup_cli.command("restore")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="目标数据库已有数据时仍然覆盖（先删除本系统的数据表）")
def backup_restore(path, force):
    """Restore PATH into this instance: an empty or absent database (else --force)."""
    from sqlalchemy.exc import SQLAlchemyError

    from .services import backup
    from .services.storage import StorageError

    db.session.remove()
    try:
        summary = backup.restore(path, current_app.extensions["storage"], force=force)
    except backup.BackupError as err:
        _backup_failed(str(err))
    except StorageError as err:
        _backup_failed(f"写入照片存储失败，数据库未改动：{err}")
    except SQLAlchemyError as err:
        _backup_failed(f"数据库出错，恢复未完成：{str(getattr(err, 'orig', err)).strip().splitlines()[0]}")
    click.echo(f"已恢复 {path}（备份于 {summary.created_at}）：{summary.line()}")


@click.command("worker")
@click.option("--once", is_flag=True, help="只运行一轮（排队的导出做完即退出）")
@with_appcontext
def worker_cmd(once):
    """The background worker: deadline sweeps and queued exports (one per installation)."""
    from .worker import Worker

    worker = Worker(current_app._get_current_object())
    if once:
        worker.run_once()
    else:
        worker.run_forever()


