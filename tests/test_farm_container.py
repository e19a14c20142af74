"""The farm's container files: the worker image and the compose file parse, and they
name exactly the settings and keys a worker reads from its environment."""

from __future__ import annotations

import json
import shlex
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from nexus_desktop.cli import build_parser
from nexus_desktop.cli.farm import worker_command
from nexus_desktop.farm import environment
from nexus_desktop.farm.config import BROKER_PASSWORD, broker_url
from nexus_desktop.providers.storage.s3_client import ACCESS_KEY_ID, SECRET_ACCESS_KEY
from nexus_desktop.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
FARM = ROOT / "packaging" / "farm"


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) pairs, continuation lines joined, comments dropped."""
    lines, joined = [], ""
    for raw in (FARM / "Dockerfile").read_text().splitlines():
        if raw.lstrip().startswith("#") or not raw.strip():
            continue
        joined += raw.rstrip("\\").strip() + " "
        if not raw.rstrip().endswith("\\"):
            word, _, rest = joined.strip().partition(" ")
            lines.append((word.upper(), rest.strip()))
            joined = ""
    return lines


def compose() -> dict:
    return yaml.safe_load((FARM / "compose.yaml").read_text())


def test_the_worker_image_installs_the_farm_extra_and_runs_nexus_worker():
    steps = dockerfile()
    assert steps[0][0] == "FROM"
    for word, args in steps:
        if word == "COPY":
            *sources, _ = shlex.split(args)
            assert all((ROOT / s).exists() for s in sources), args
    installs = " ".join(args for word, args in steps if word == "RUN")
    assert 'pip install --no-cache-dir ".[farm]"' in installs
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert any(req.startswith("celery") for req in extras["farm"])
    entry = json.loads(dict(steps)["ENTRYPOINT"])
    cmd = json.loads(dict(steps)["CMD"])
    assert entry[0] == "nexus"
    args = build_parser().parse_args(entry[1:] + cmd)  # every flag is one `nexus worker` takes
    assert args.handler is worker_command and args.concurrency == 1 and args.create_bucket


def test_the_compose_file_runs_the_services_and_gives_the_worker_every_setting_it_reads():
    services = compose()["services"]
    assert {"rabbitmq", "postgres", "s3", "worker"} <= set(services)
    worker = services["worker"]
    env = worker["environment"]
    assert set(env) == set(environment.ENV_SETTINGS) | set(environment.ENV_SECRETS)
    assert (ROOT / "packaging" / "farm" / worker["build"]["context"] / worker["build"]["dockerfile"]).resolve() == FARM / "Dockerfile"
    args = build_parser().parse_args(["--data-dir", "/data", *worker["command"]])
    assert args.handler is worker_command

    # the services answer to the names and passwords the worker is given
    database = urlsplit(env["NEXUS_DATABASE_URL"].replace("postgresql+psycopg", "postgresql"))
    pg = services["postgres"]["environment"]
    assert (database.hostname, database.username, database.password, database.path.lstrip("/")) == (
        "postgres", pg["POSTGRES_USER"], pg["POSTGRES_PASSWORD"], pg["POSTGRES_DB"])
    rabbit = services["rabbitmq"]["environment"]
    assert urlsplit(env["NEXUS_BROKER_URL"]).hostname == "rabbitmq"
    assert (urlsplit(env["NEXUS_BROKER_URL"]).username, env["NEXUS_BROKER_PASSWORD"]) == (
        rabbit["RABBITMQ_DEFAULT_USER"], rabbit["RABBITMQ_DEFAULT_PASS"])
    assert urlsplit(env["NEXUS_S3_ENDPOINT"]).hostname == "s3"
    assert f"-s3.port={urlsplit(env['NEXUS_S3_ENDPOINT']).port}" in services["s3"]["command"]
    identities = json.loads((FARM / "s3.json").read_text())["identities"]
    assert {"accessKey": env["NEXUS_S3_ACCESS_KEY_ID"], "secretKey": env["NEXUS_S3_SECRET_ACCESS_KEY"]} in identities[0]["credentials"]


def test_the_worker_reads_its_settings_and_keys_from_those_variables(monkeypatch):
    from nexus_desktop import secrets

    env = compose()["services"]["worker"]["environment"]
    settings = Settings()
    monkeypatch.setattr(secrets, "_vault", None)
    try:
        used = environment.apply(settings, env)
        assert set(used) == set(env)
        assert settings.store.database_url == env["NEXUS_DATABASE_URL"]
        assert settings.sync.enabled and settings.sync.endpoint_url == env["NEXUS_S3_ENDPOINT"]
        assert (settings.sync.bucket, settings.sync.prefix) == (env["NEXUS_S3_BUCKET"], env["NEXUS_S3_PREFIX"])
        assert secrets.get_secret(ACCESS_KEY_ID) == env["NEXUS_S3_ACCESS_KEY_ID"]
        assert secrets.get_secret(SECRET_ACCESS_KEY) == env["NEXUS_S3_SECRET_ACCESS_KEY"]
        assert secrets.get_secret(BROKER_PASSWORD) == env["NEXUS_BROKER_PASSWORD"]
        assert broker_url(settings, env) == "amqp://nexus:nexus-broker-password@rabbitmq:5672//"
    finally:
        secrets.use_vault(None)
