"""The first admin of an empty install, from a shell: users create and users reset-password."""
import re

import pytest
import sqlalchemy as sa

from server import create_app
from server.extensions import db
from server.models import ChecklistItem, Point, Unit, User
from tests.conftest import _fresh_database


@pytest.fixture
def empty_app(tmp_path):
    """An app over an empty database: the schema and nothing else."""
    url, drop = _fresh_database(tmp_path)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "DATA_DIR": str(tmp_path / "d"),
                      "SWEEP_INTERVAL_S": 0})
    with app.app_context():
        db.create_all()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    drop()


def _temporary(output: str) -> str:
    """The temporary password printed by the command."""
    return re.search(r"临时密码：(\S+)", output).group(1)


def test_the_first_admin_is_created_from_a_shell_and_must_change_the_password(empty_app):
    runner = empty_app.test_cli_runner()
    out = runner.invoke(args=["users", "create", "chief", "--name", "张主任"])
    assert out.exit_code == 0, out.output
    password = _temporary(out.output)
    client = empty_app.test_client()
    login = client.post("/api/v1/auth/login", json={"username": "chief", "password": password})
    assert login.status_code == 200 and login.json["must_change_password"] is True
    with empty_app.app_context():  # an install without demo data: the catalogue, nothing else
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ChecklistItem)) > 90
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Unit)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Point)) == 0
        assert db.session.scalar(sa.select(User.role).where(User.username == "chief")) == "admin"
    again = runner.invoke(args=["users", "create", "chief"])
    assert again.exit_code != 0 and "用户名已被使用" in again.output


def test_a_forgotten_admin_password_is_reset_from_a_shell(empty_app):
    runner = empty_app.test_cli_runner()
    runner.invoke(args=["users", "create", "chief"])
    out = runner.invoke(args=["users", "reset-password", "CHIEF"])
    assert out.exit_code == 0, out.output
    login = empty_app.test_client().post("/api/v1/auth/login",
                                         json={"username": "chief", "password": _temporary(out.output)})
    assert login.status_code == 200
    missing = runner.invoke(args=["users", "reset-password", "nobody"])
    assert missing.exit_code != 0 and "nobody" in missing.output


def test_staff_of_a_unit_need_an_existing_unit(empty_app):
    out = empty_app.test_cli_runner().invoke(args=["users", "create", "cw", "--role", "community",
                                                   "--unit", "不存在的社区"])
    assert out.exit_code != 0 and "不存在的社区" in out.output
