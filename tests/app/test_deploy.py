"""The Dockerfile and the Kubernetes manifests agree with the code they deploy.

PyYAML is not a dependency, so the manifests are read as text: ``block`` takes
the lines nested under a key, which is all these checks need.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import attrs
import pytest

from baolife_app import cli
from baolife_app.bootstrap import Settings
from baolife_transport_ws import ServerConfig
from baolife_transport_ws.health import LIVE_PATH, READY_PATH

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
DEFAULTS = {field.name: field.default for field in attrs.fields(ServerConfig)}
PORT = DEFAULTS["port"]


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def block(text: str, key: str) -> str:
    """The lines nested under the first ``key:`` line (deeper indentation)."""
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if line.strip() == f"{key}:":
            indent = len(line) - len(line.lstrip())
            nested = []
            for inner in lines[number + 1 :]:
                if inner.strip() and len(inner) - len(inner.lstrip()) <= indent:
                    break
                nested.append(inner)
            return "\n".join(nested)
    raise AssertionError(f"no {key!r} in the manifest")


def scalar(text: str, key: str) -> str:
    """The value of the first ``key: value`` line."""
    match = re.search(rf"^\s*-?\s*{re.escape(key)}:\s*(\S.*?)\s*(#.*)?$", text, re.M)
    assert match is not None, f"no {key!r} in the manifest"
    return match.group(1)


def test_the_default_port_is_the_documented_one() -> None:
    """The server and the settings listen on 8001 by default."""
    assert (8001, 8001) == (PORT, Settings().port)


class TestDockerfile:
    """The image runs the CLI on the default port, as a non-root user."""

    @pytest.fixture
    def dockerfile(self) -> str:
        return read(ROOT / "Dockerfile")

    @pytest.mark.parametrize(
        ("label", "arg"),
        [
            ("org.opencontainers.image.version", "VERSION"),
            ("org.opencontainers.image.revision", "BUILD_ID"),
            ("org.opencontainers.image.created", "BUILD_DATE"),
        ],
    )
    def test_labels_come_from_build_args(
        self, dockerfile: str, label: str, arg: str
    ) -> None:
        """Version, build id and date are OCI labels set from build arguments."""
        assert f'{label}="${{{arg}}}"' in dockerfile
        assert re.search(rf"^ARG {arg}=", dockerfile, re.M)

    def test_installs_from_the_lock_without_dev_tools(self, dockerfile: str) -> None:
        """Dependencies come from uv.lock, frozen, without the dev group."""
        assert "uv sync --frozen --no-dev --no-install-project" in dockerfile
        assert "uv sync --frozen --no-dev --no-editable" in dockerfile
        assert "FROM ${PYTHON_IMAGE} AS runtime" in dockerfile
        assert "ARG PYTHON_IMAGE=python:3.11-slim" in dockerfile

    def test_runs_the_cli_as_a_user_on_the_default_port(self, dockerfile: str) -> None:
        """The command parses with the CLI's own flags; the user is not root."""
        assert f"EXPOSE {PORT}" in dockerfile
        assert re.search(r"^USER 10001:10001$", dockerfile, re.M)
        match = re.search(r"^CMD (\[.*\])$", dockerfile, re.M)
        assert match is not None
        command = json.loads(match.group(1))
        assert "baolife" == command[0]
        args = cli._parser().parse_args(command[1:])
        assert ("serve", "0.0.0.0", None) == (args.command, args.host, args.port)


class TestKubernetes:
    """The Deployment probes the server's real paths on its real port."""

    @pytest.fixture
    def deployment(self) -> str:
        return read(K8S / "deployment.yaml")

    @pytest.mark.parametrize(
        ("probe", "path"),
        [("livenessProbe", LIVE_PATH), ("readinessProbe", READY_PATH)],
    )
    def test_probes_use_the_health_paths(
        self, deployment: str, probe: str, path: str
    ) -> None:
        """Liveness and readiness GET ``health``'s paths on the named port."""
        section = block(deployment, probe)
        assert path == scalar(section, "path")
        assert "ws" == scalar(section, "port")

    def test_the_port_is_the_default_one(self, deployment: str) -> None:
        """The container and the Service expose the server's default port."""
        assert str(PORT) == scalar(deployment, "containerPort")
        service = read(K8S / "service.yaml")
        assert (str(PORT), "ws") == (
            scalar(service, "port"),
            scalar(service, "targetPort"),
        )

    def test_the_command_parses_and_skips_migrations(self, deployment: str) -> None:
        """The container's args are a valid ``baolife serve`` command line."""
        command = json.loads(scalar(deployment, "args"))
        args = cli._parser().parse_args(command[1:])
        assert ("serve", "0.0.0.0", PORT, False) == (
            args.command,
            args.host,
            args.port,
            args.migrate,
        )
        job = json.loads(scalar(read(K8S / "migrate-job.yaml"), "args"))
        parsed = cli._parser().parse_args(job[1:])
        assert ("db", "upgrade") == (parsed.command, parsed.db_command)

    def test_production_settings_and_secrets(self, deployment: str) -> None:
        """Production mode; the secret and the database URL come from the Secret."""
        env = block(deployment, "env")
        assert "- name: BAOLIFE_ENV\n              value: production" in env
        secret = read(K8S / "secret.example.yaml")
        for name in ("BAOLIFE_TOKEN_SECRET", "BAOLIFE_DB_URL"):
            assert f"- name: {name}\n              valueFrom:" in deployment
            assert re.search(rf"^  {name}: ", secret, re.M)

    def test_runs_as_non_root_and_outlives_the_close_timeout(
        self, deployment: str
    ) -> None:
        """Non-root, no privilege escalation; the grace period covers closing."""
        assert "true" == scalar(deployment, "runAsNonRoot")
        assert "false" == scalar(deployment, "allowPrivilegeEscalation")
        grace = float(scalar(deployment, "terminationGracePeriodSeconds"))
        assert grace > 5 * DEFAULTS["close_timeout_seconds"]
        assert block(deployment, "resources").strip()
