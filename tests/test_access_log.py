"""gunicorn's access log, as the README's *Production* section starts it,
never writes a query string or a referrer: a search form's query string may
hold a personnummer. The line is parsed by gunicorn's own option parser and
a request is logged by gunicorn's own logger."""

import re
import shlex
from datetime import timedelta
from pathlib import Path

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger

ROOT = Path(__file__).resolve().parent.parent
PERSONNUMMER = "19121212-1212"
# Atoms that write the query string or the previous page's address.
FORBIDDEN_ATOMS = ("%(r)s", "%(q)s", "%(f)s", "%({referer}i)s")


def _production_commands() -> list[list[str]]:
    """The shell commands of the README's Production section, one per
    logical line (backslash continuations joined)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Production\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "the Production section has no bash block"
    text = block.group(1).replace("\\\n", " ")
    return [shlex.split(line, comments=True) for line in text.splitlines() if line.strip()]


def _gunicorn_args() -> list[str]:
    commands = [c for c in _production_commands() if c and c[0].endswith("gunicorn")]
    assert len(commands) == 1, commands
    return commands[0][1:]


def _config(args) -> Config:
    """gunicorn's configuration from its own command-line parser."""
    cfg = Config()
    parsed = cfg.parser().parse_args(args)
    for name, value in vars(parsed).items():
        if value is not None and name in cfg.settings:
            cfg.set(name.lower(), value)
    return cfg


class _Response:
    status = "200 OK"
    sent = 1234
    headers = [("Content-Type", "text/html; charset=utf-8")]


def test_the_readme_gives_a_format_without_query_string_or_referrer():
    cfg = _config(_gunicorn_args())
    assert cfg.accesslog == "-", "the access log must be switched on"
    fmt = cfg.access_log_format
    assert "%(U)s" in fmt
    for atom in FORBIDDEN_ATOMS:
        assert atom not in fmt, atom


def test_a_search_is_logged_without_the_personnummer(tmp_path):
    cfg = _config(_gunicorn_args())
    log_file = tmp_path / "access.log"
    cfg.set("accesslog", str(log_file))
    logger = Logger(cfg)
    path = "/deltagare/"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"{path}?q={PERSONNUMMER}",
        "PATH_INFO": path,
        "QUERY_STRING": f"q={PERSONNUMMER}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.10",
        "HTTP_REFERER": f"https://ratt-insats.example.se/deltagare/?q={PERSONNUMMER}",
        "HTTP_USER_AGENT": "Mozilla/5.0",
    }
    headers = [("Referer", environ["HTTP_REFERER"]), ("User-Agent", "Mozilla/5.0")]
    logger.access(_Response(), headers, environ, timedelta(milliseconds=42))
    for handler in logger.access_log.handlers:
        handler.close()
    line = log_file.read_text(encoding="utf-8")
    assert f'"GET {path} HTTP/1.1" 200 1234' in line
    assert "192.0.2.10" in line and "Mozilla/5.0" in line
    assert PERSONNUMMER not in line and "?" not in line


@pytest.mark.parametrize("script", ["loadtest/run.sh", "scripts/run", "scripts/test"])
def test_no_script_logs_the_query_string(script):
    """A script that starts gunicorn with an access log uses no atom that
    writes the query string or the referrer (none sets a format today)."""
    text = (ROOT / script).read_text(encoding="utf-8")
    for atom in FORBIDDEN_ATOMS:
        assert atom not in text, atom
    if "--access-logfile" in text:
        assert "--access-logformat" in text and "%(U)s" in text
