"""docker-compose.yml and the Dockerfile, checked as text (no Docker engine runs the tests).

The compose file must start both services with health checks, make the service wait for a
healthy database, keep the data in a named volume, and set exactly the variables the service
reads (``service.config.SETTINGS`` plus ``DATABASE_URL``): a typo there would be silently ignored.
"""

from __future__ import annotations

import re
import typing as t
from pathlib import Path

import pytest
import yaml

from service.config import SETTINGS, from_environment

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def compose() -> dict[str, t.Any]:
    """docker-compose.yml, parsed."""
    document: dict[str, t.Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))
    return document


@pytest.fixture(scope="module")
def service_env(compose: dict[str, t.Any]) -> dict[str, str]:
    """The environment compose gives the neuroroot container."""
    environment = compose["services"]["neuroroot"]["environment"]
    assert isinstance(environment, dict), "use the mapping form of `environment`"
    return {name: "" if value is None else str(value) for name, value in environment.items()}


def test_both_services_exist_with_health_checks(compose: dict[str, t.Any]) -> None:
    services = compose["services"]
    assert set(services) == {"neuroroot", "db"}
    for name, service in services.items():
        check = service["healthcheck"]
        assert check["test"][0] in {"CMD", "CMD-SHELL"} and len(check["test"]) > 1, name
        assert {"interval", "timeout", "retries"} <= set(check), name
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert re.match(r"postgres:16(\.|$)", services["db"]["image"])
    assert services["neuroroot"]["build"] in (".", {"context": "."})


def test_service_waits_for_a_healthy_database(compose: dict[str, t.Any]) -> None:
    depends_on = compose["services"]["neuroroot"]["depends_on"]
    assert depends_on == {"db": {"condition": "service_healthy"}}


def test_database_lives_in_a_named_volume(compose: dict[str, t.Any]) -> None:
    volumes = compose["services"]["db"]["volumes"]
    named = [v.split(":")[0] for v in volumes
             if ":" in v and v.split(":")[1] == "/var/lib/postgresql/data"]
    assert named and named[0] in compose["volumes"]
    assert not named[0].startswith((".", "/"))


def test_service_reaches_the_db_service_with_psycopg(
        compose: dict[str, t.Any], service_env: dict[str, str]) -> None:
    db = compose["services"]["db"]["environment"]
    expected = (f"postgresql+psycopg://{db['POSTGRES_USER']}:{db['POSTGRES_PASSWORD']}"
                f"@db:5432/{db['POSTGRES_DB']}")
    assert service_env["DATABASE_URL"] == expected


def test_every_variable_set_is_one_the_service_reads_and_vice_versa(
        service_env: dict[str, str]) -> None:
    read = {setting.env for setting in SETTINGS} | {"DATABASE_URL"}
    assert set(service_env) - read == set(), "compose sets variables the service never reads"
    assert read - set(service_env) == set(), "list every variable it reads (empty = default)"


def test_the_values_are_valid_settings(service_env: dict[str, str]) -> None:
    config = from_environment(service_env)  # raises ConfigError naming a bad value
    assert config["HOST"] == "0.0.0.0"
    assert config["STORE_ENABLED"] is True and config["AUTO_MIGRATE"] is True


def test_port_mapping_and_health_check_use_the_configured_port(
        compose: dict[str, t.Any], service_env: dict[str, str]) -> None:
    port = service_env["NEUROROOT_PORT"]
    assert f"{port}:{port}" in compose["services"]["neuroroot"]["ports"]
    check = " ".join(compose["services"]["neuroroot"]["healthcheck"]["test"])
    assert f"127.0.0.1:{port}/readyz" in check


def _instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text("utf-8").replace("\\\n", " ")
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def test_dockerfile_runs_gunicorn_as_a_non_root_user_with_a_health_check() -> None:
    steps = _instructions()
    final = steps[max(i for i, (op, _) in enumerate(steps) if op == "FROM"):]
    ops = dict(final)
    assert all(arg.startswith("python:3.11-slim") for op, arg in steps if op == "FROM")
    assert ops["USER"].split(":")[0] not in {"root", "0"}
    assert '"gunicorn", "-c", "gunicorn.conf.py"' in ops["CMD"]
    assert "/healthz" in ops["HEALTHCHECK"] and "urllib" in ops["HEALTHCHECK"]
    assert "NEUROROOT_HOST=0.0.0.0" in ops["ENV"]
    assert any(op == "RUN" and 'pip install ".[postgres]"' in arg for op, arg in steps)


def test_dockerignore_keeps_secrets_and_local_state_out() -> None:
    ignored = set((ROOT / ".dockerignore").read_text("utf-8").split())
    assert {".git", ".env", ".venv", "**/*.sqlite3", "tests"} <= ignored
    assert not {"service", "terminology", "pyproject.toml", "README.md", "openapi.yaml"} & ignored
