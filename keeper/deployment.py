"""The deployment file: what ``ape run deploy`` wrote and what the keeper reads.

One JSON document per deployed protocol::

    {
      "format": "bondline-deployment/1",
      "network": "ethereum:local:foundry",      # where it was deployed (informative)
      "chain_id": 31337,                        # the keeper refuses to sign elsewhere
      "block": 12,                              # first block of the deployment (log scans)
      "deployed_at": 1767225600,                # chain time of that block
      "config_file": "config/deploy.local.yaml",
      "config_sha256": "…",                     # hash of the deploy config's bytes
      "contracts": {"stablecoin": "0x…", "corporate.bond": "0x…", …},
      "accounts": {"admin": "0x…", "paying_agent": "0x…", …},
      "details": {…}                            # terms, schedules: free-form, for people
    }

In the keeper config, ``deployment: FILE`` names such a file and any address may be
written ``"@corporate.bond"`` (a key of ``contracts``); :func:`resolve_references`
replaces those before validation, and ``chain.chain_id`` defaults to the file's.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = "bondline-deployment/1"

# The contract type behind each key of ``contracts``, by the key's last part
# ("corporate.bond" -> "bond" -> BondToken): the names ``deployment.deploy`` writes
# (``og_blueprint`` is OGNFT blueprint code, not a contract instance, so it has none).
CONTRACT_TYPES: dict[str, str] = {
    "stablecoin": "MockUSDC",
    "whitelist": "Whitelist",
    "macro_feed": "MacroFeed",
    "price_batcher": "PriceFeedBatcher",
    "bond": "BondToken",
    "escrow": "Escrow",
    "og_nft": "OGNFT",
    "price_feed": "PriceFeed",
    "amm": "SteadyAMM",
    "conversion": "DebtConversion",
    "debt_aggregator": "MacroFeedAggregator",
    "growth_aggregator": "MacroFeedAggregator",
}


class DeploymentFileError(ValueError):
    """The file is missing, not JSON, or not a bondline deployment."""


@dataclass
class Deployment:
    chain_id: int
    block: int
    deployed_at: int
    contracts: dict[str, str]
    network: str = ""
    config_file: str = ""
    config_sha256: str = ""
    accounts: dict[str, str] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)

    def address(self, key: str) -> str:
        try:
            return self.contracts[key]
        except KeyError:
            known = ", ".join(sorted(self.contracts)) or "(none)"
            raise KeyError(f"no contract {key!r} in the deployment (known: {known})") from None

    @staticmethod
    def contract_type(key: str) -> str:
        """The contract name deployed under ``key`` (see :data:`CONTRACT_TYPES`)."""
        return CONTRACT_TYPES[key.rpartition(".")[2]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "network": self.network,
            "chain_id": self.chain_id,
            "block": self.block,
            "deployed_at": self.deployed_at,
            "config_file": self.config_file,
            "config_sha256": self.config_sha256,
            "contracts": dict(sorted(self.contracts.items())),
            "accounts": dict(sorted(self.accounts.items())),
            "details": self.details,
        }

    def write(self, path: str | Path) -> None:
        """Write atomically (a crash never leaves half a file)."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(self.to_dict(), out, indent=2)
                out.write("\n")
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def sha256_file(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load_deployment(path: str | Path) -> Deployment:
    file = Path(path)
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DeploymentFileError(f"cannot read {file}: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise DeploymentFileError(f"{file} is not JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise DeploymentFileError(
            f'{file} is not a bondline deployment file (expected "format": "{FORMAT}")'
        )
    try:
        contracts = doc["contracts"]
        if not isinstance(contracts, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in contracts.items()
        ):
            raise TypeError("contracts must map names to addresses")
        return Deployment(
            chain_id=int(doc["chain_id"]),
            block=int(doc["block"]),
            deployed_at=int(doc.get("deployed_at", 0)),
            contracts=dict(contracts),
            network=str(doc.get("network", "")),
            config_file=str(doc.get("config_file", "")),
            config_sha256=str(doc.get("config_sha256", "")),
            accounts=dict(doc.get("accounts") or {}),
            details=dict(doc.get("details") or {}),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise DeploymentFileError(f"{file}: malformed deployment file ({exc})") from None


def resolve_references(data: Any, deployment: Deployment) -> tuple[Any, list[tuple[str, str]]]:
    """Replace every string ``"@key"`` in ``data`` by ``deployment.contracts[key]``.

    Returns the new structure and the unresolved references as (location, message).
    """
    problems: list[tuple[str, str]] = []

    def walk(node: Any, where: str) -> Any:
        if isinstance(node, dict):
            return {k: walk(v, f"{where}.{k}" if where else str(k)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, f"{where}[{i}]") for i, v in enumerate(node)]
        if isinstance(node, str) and node.startswith("@"):
            try:
                return deployment.address(node[1:])
            except KeyError as exc:
                problems.append((where, str(exc.args[0])))
                return node
        return node

    return walk(data, ""), problems
