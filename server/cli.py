"""Command-line entry points: flask --app server <group> <command>."""
import json

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from .extensions import db
from .timeutil import parse_iso, utcnow

demo_cli = AppGroup("demo", help="Demo data.")
deadlines_cli = AppGroup("deadlines", help="Deadlines and prompt letters.")
data_cli = AppGroup("data", help="Reference data imports.")


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
    """Issue one prompt letter per overdue event not yet prompted."""
    from .services.deadlines import sweep

    try:
        when = parse_iso(at) if at else utcnow()
    except ValueError:
        raise click.BadParameter("须为带时区的 ISO 8601 时间，如 2026-11-30T09:00:00+08:00") from None
    letters = sweep(when)
    db.session.commit()
    click.echo(f"已制发提示函 {len(letters)} 件")
    for letter in letters:
        click.echo(f"  {letter.number}")


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


def register(app: Flask) -> None:
    """Attach the command groups to the app."""
    for group in (demo_cli, deadlines_cli, data_cli):
        app.cli.add_command(group)


