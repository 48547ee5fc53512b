"""Fixtures: the protocol deployed from config/deploy.local.yaml on the session's Anvil.

The deployment is package-scoped (made once, before any test's isolation snapshot) and
written to a temporary deployment file, exactly as ``ape run deploy`` writes it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from deployment.config import load_config
from deployment.deploy import deploy_protocol
from keeper.deployment import Deployment

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config" / "deploy.local.yaml"


@pytest.fixture(scope="package")
def deploy_config():
    return load_config(CONFIG)


@pytest.fixture(scope="package")
def deployed(deploy_config) -> Deployment:
    return deploy_protocol(deploy_config, config_file=CONFIG)


@pytest.fixture(scope="package")
def deployment_file(deployed, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("deployments") / "local.json"
    deployed.write(path)
    return path


@pytest.fixture(scope="package")
def at(project, deployed):
    """at("corporate.bond") -> the contract instance at that key."""

    def _at(key: str):
        return getattr(project, deployed.contract_type(key)).at(deployed.address(key))

    return _at
