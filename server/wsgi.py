"""The WSGI entry point for gunicorn: the app plus its periodic deadline sweep."""
from . import create_app
from .scheduler import start_sweeper

app = create_app()
start_sweeper(app)
