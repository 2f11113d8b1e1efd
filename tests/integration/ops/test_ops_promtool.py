"""The alert rules as promtool sees them: they parse, and their unit tests (alerts.test.yml) pass."""
import os
import shutil
import subprocess

import pytest
import yaml

from tests.conftest import ROOT

PROMETHEUS_DIR = os.path.join(ROOT, "deploy", "prometheus")


@pytest.fixture(scope="module")
def promtool() -> str:
    # `make test` installs Debian's prometheus (which ships promtool) through `make infra`
    path = shutil.which("promtool")
    assert path, "promtool is missing: run `make infra` (deploy/local/monitoring.sh install)"
    return path


def test_promtool_check_rules(promtool):
    run = subprocess.run([promtool, "check", "rules", "alerts.yml"], cwd=PROMETHEUS_DIR,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    with open(os.path.join(PROMETHEUS_DIR, "alerts.yml")) as f:
        count = sum(len(group["rules"]) for group in yaml.safe_load(f)["groups"])
    assert f"SUCCESS: {count} rules found" in run.stdout


def test_promtool_test_rules(promtool):
    run = subprocess.run([promtool, "test", "rules", "alerts.test.yml"], cwd=PROMETHEUS_DIR,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "SUCCESS" in run.stdout


def test_promtool_check_config_of_the_static_local_config(promtool):
    run = subprocess.run([promtool, "check", "config", "prometheus.yml"], cwd=PROMETHEUS_DIR,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
