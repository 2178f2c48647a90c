"""docker-compose.yml and the Dockerfile, checked as text (no Docker engine runs the tests).

The compose file must start the services with health checks, make the service wait for a
healthy database, keep the data in a named volume, and set exactly the variables the service
reads (``service.config.SETTINGS`` plus ``DATABASE_URL``): a typo there would be silently ignored.
nginx (deploy/nginx.conf) sits in front: the only published port, bound to 127.0.0.1 while auth
is off, with limits and time-outs matched to the service's.
"""

from __future__ import annotations

import json
import re
import typing as t
from pathlib import Path

import pytest
import yaml

from service.config import DEFAULTS, SETTINGS, from_environment
from service.serving import KEEPALIVE_SECONDS
from tests.validation import assert_valid_r4

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
    assert set(services) == {"neuroroot", "db", "nginx"}
    for name, service in services.items():
        check = service["healthcheck"]
        assert check["test"][0] in {"CMD", "CMD-SHELL"} and len(check["test"]) > 1, name
        assert {"interval", "timeout", "retries"} <= set(check), name
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert re.match(r"postgres:16(\.|$)", services["db"]["image"])
    assert services["neuroroot"]["build"] in (".", {"context": "."})
    assert re.match(r"nginx:\d", services["nginx"]["image"])  # the official image


def test_service_waits_for_a_healthy_database(compose: dict[str, t.Any]) -> None:
    depends_on = compose["services"]["neuroroot"]["depends_on"]
    assert depends_on == {"db": {"condition": "service_healthy"}}


def test_database_lives_in_a_named_volume(compose: dict[str, t.Any]) -> None:
    volumes = compose["services"]["db"]["volumes"]
    named = [
        v.split(":")[0]
        for v in volumes
        if ":" in v and v.split(":")[1] == "/var/lib/postgresql/data"
    ]
    assert named and named[0] in compose["volumes"]
    assert not named[0].startswith((".", "/"))


def test_service_reaches_the_db_service_with_psycopg(
    compose: dict[str, t.Any], service_env: dict[str, str]
) -> None:
    db = compose["services"]["db"]["environment"]
    expected = (
        f"postgresql+psycopg://{db['POSTGRES_USER']}:{db['POSTGRES_PASSWORD']}"
        f"@db:5432/{db['POSTGRES_DB']}"
    )
    assert service_env["DATABASE_URL"] == expected


def test_every_variable_set_is_one_the_service_reads_and_vice_versa(
    service_env: dict[str, str],
) -> None:
    read = {setting.env for setting in SETTINGS} | {"DATABASE_URL"}
    assert set(service_env) - read == set(), "compose sets variables the service never reads"
    assert read - set(service_env) == set(), "list every variable it reads (empty = default)"


def test_the_values_are_valid_settings(service_env: dict[str, str]) -> None:
    config = from_environment(service_env)  # raises ConfigError naming a bad value
    assert config["HOST"] == "0.0.0.0"
    assert config["STORE_ENABLED"] is True and config["AUTO_MIGRATE"] is True


def test_port_mapping_and_health_check_use_the_configured_port(
    compose: dict[str, t.Any], service_env: dict[str, str], nginx_conf: str
) -> None:
    port = service_env["NEUROROOT_PORT"]
    assert compose["services"]["neuroroot"]["expose"] == [port]
    assert f"server neuroroot:{port};" in nginx_conf
    check = " ".join(compose["services"]["neuroroot"]["healthcheck"]["test"])
    assert f"127.0.0.1:{port}/readyz" in check
    assert "/healthz" in " ".join(compose["services"]["nginx"]["healthcheck"]["test"])


# --- exposure: nothing unauthenticated on all interfaces ----------------------------------------


def _published(service: dict[str, t.Any]) -> list[str]:
    return [str(p) for p in service.get("ports", [])]


def test_only_nginx_publishes_a_port(compose: dict[str, t.Any]) -> None:
    published = {name: _published(svc) for name, svc in compose["services"].items()}
    assert {name for name, ports in published.items() if ports} == {"nginx"}
    assert compose["services"]["nginx"]["depends_on"] == {
        "neuroroot": {"condition": "service_healthy"}
    }


def test_with_auth_off_the_port_is_bound_to_loopback_only(
    compose: dict[str, t.Any], service_env: dict[str, str]
) -> None:
    config = from_environment(service_env)
    for port in _published(compose["services"]["nginx"]):
        if not config["AUTH_ENABLED"]:
            # "8080:8080" or "0.0.0.0:..." would publish every stored result to the network
            assert port.startswith("127.0.0.1:"), port
    if config["AUTH_ENABLED"]:  # pragma: no cover (the shipped file keeps auth off)
        assert config["AUTH_JWKS"], "auth on needs the JWK Set mounted and named"


def test_the_readme_says_so_plainly() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert "127.0.0.1:8080:8080" in readme
    assert "NEUROROOT_AUTH_ENABLED=true" in readme


# --- nginx --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def nginx_conf() -> str:
    """deploy/nginx.conf without comments."""
    text = (ROOT / "deploy" / "nginx.conf").read_text("utf-8")
    return "\n".join(line.split("#", 1)[0].rstrip() for line in text.splitlines())


def _directive(conf: str, name: str) -> str:
    found = re.findall(rf"^\s*{name}\s+([^;]+);", conf, re.MULTILINE)
    assert found, f"{name} is not set in deploy/nginx.conf"
    return t.cast(str, found[-1]).strip()


def _bytes(size: str) -> int:
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    return int(size[:-1]) * units[size[-1].lower()] if size[-1].isalpha() else int(size)


def _seconds(value: str) -> int:
    return int(value.rstrip("s"))


def test_nginx_conf_is_the_file_compose_mounts(compose: dict[str, t.Any]) -> None:
    volumes = compose["services"]["nginx"]["volumes"]
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in volumes


def test_nginx_body_limit_matches_the_service(nginx_conf: str, service_env: dict[str, str]) -> None:
    limit = from_environment(service_env).get("MAX_BODY_BYTES", DEFAULTS["MAX_BODY_BYTES"])
    assert _bytes(_directive(nginx_conf, "client_max_body_size")) == limit
    assert _bytes(_directive(nginx_conf, "client_body_buffer_size")) <= limit


def test_nginx_buffers_requests_and_answers_with_bounded_time_outs(
    nginx_conf: str, service_env: dict[str, str]
) -> None:
    assert _directive(nginx_conf, "proxy_request_buffering") == "on"
    assert _directive(nginx_conf, "proxy_buffering") == "on"
    assert _directive(nginx_conf, "server_tokens") == "off"
    assert _directive(nginx_conf, "proxy_next_upstream") == "off"  # a POST is never sent twice
    for name in ("client_header_timeout", "client_body_timeout", "send_timeout"):
        assert 0 < _seconds(_directive(nginx_conf, name)) <= 30, name
    # gunicorn's keep-alive outlasts nginx's reuse of an idle upstream connection
    assert _directive(nginx_conf, "keepalive").isdigit()
    upstream = nginx_conf[nginx_conf.index("upstream neuroroot") :]
    upstream = upstream[: upstream.index("}")]
    assert _seconds(_directive(upstream, "keepalive_timeout")) < KEEPALIVE_SECONDS
    assert _directive(nginx_conf, "proxy_http_version") == "1.1"
    assert _directive(nginx_conf, "proxy_set_header Connection") == '""'
    # the proxy reads the headers no slower than the service would
    config = from_environment(service_env)
    timeout = config.get("CLIENT_TIMEOUT", DEFAULTS["CLIENT_TIMEOUT"])
    assert _seconds(_directive(nginx_conf, "client_header_timeout")) <= timeout


def test_nginx_logs_no_query_string(nginx_conf: str) -> None:
    log_format = nginx_conf[nginx_conf.index("log_format") :]
    log_format = log_format[: log_format.index(";")]
    assert "$uri" in log_format
    assert not re.search(r"\$(request|request_uri|args|query_string)\b", log_format)


def test_nginx_answers_its_own_errors_as_valid_operation_outcomes(nginx_conf: str) -> None:
    pages = dict(re.findall(r"error_page\s+([\d ]+?)\s+(/\S+);", nginx_conf))
    covered = {int(code) for codes in pages for code in codes.split()}
    assert {400, 408, 413, 414, 502, 503, 504} <= covered
    answers = re.findall(r"return\s+(\d{3})\s+'([^']+)';", nginx_conf)
    assert len(answers) >= len(set(pages.values()))
    for status, body in answers:
        outcome = json.loads(body)
        assert_valid_r4(outcome)
        assert outcome["resourceType"] == "OperationOutcome" and 400 <= int(status) < 600
    assert _directive(nginx_conf, "default_type") == "application/fhir+json"


def _instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text("utf-8").replace("\\\n", " ")
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def test_dockerfile_runs_gunicorn_as_a_non_root_user_with_a_health_check() -> None:
    steps = _instructions()
    final = steps[max(i for i, (op, _) in enumerate(steps) if op == "FROM") :]
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


def test_every_setting_is_in_the_readme_configuration_table() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    table = readme[readme.index("## Configuration") :]
    table = table[: table.index("\n## ")]
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", table, re.MULTILINE))
    assert documented == {setting.env for setting in SETTINGS}
