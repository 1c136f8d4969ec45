"""The WSGI entry point for gunicorn (gunicorn.conf.py): the app, answering requests only.

Deadline sweeps and exports run in `flask --app server worker`, one process for the whole
installation, not a thread in every web worker. JOB_RUNNER=thread (a single process with
no worker) brings the old in-process sweeper and export threads back.
"""
import os

os.environ.setdefault("JOB_RUNNER", "worker")

from . import create_app  # noqa: E402
from .scheduler import start_sweeper  # noqa: E402

app = create_app()
if app.config["JOB_RUNNER"] == "thread":
    start_sweeper(app)
