"""The node operator's configuration: one YAML file, one pydantic model, checked at start-up.

Load it with :func:`load_settings` (or :func:`parse_settings` for an in-memory mapping).
Every problem is reported at once as a :class:`~keeper.exceptions.ConfigError` whose issues
name the key (``jobs.coupons.bonds[0].address``), what is wrong and the fix. The complete,
commented example is ``config/keeper.example.yaml``; the reference is ``docs/keeper.md``.

Shape::

    version: 1
    chain:   {network: ethereum:local:foundry | http://host:8545, chain_id: 31337}
    signer:  {alias: keeper, passphrase_env: KEEPER_PASSPHRASE}   # or {test_account: 3}
    data_dir: ./keeper-data       # pending transactions survive restarts here
    tx:      {...}                # fees, fee cap, bumps, timeouts
    health:  {host: 127.0.0.1, port: 9465}
    jobs:
      coupons: {interval_s: 60, bonds: [{name: ..., address: 0x...}]}
      prices / macro / escrow / amm / conversion: see docs/keeper.md

Secrets never live here: the keystore passphrase is read from the environment variable
named by ``signer.passphrase_env``; a raw private key is refused with an explicit error.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from keeper.exceptions import ConfigError, ConfigIssue, config_location

CONFIG_VERSION = 1
ADDRESS_RE = re.compile(r"^0x[0-9a-fA-F]{40}$")
ENV_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
RAW_KEY_RE = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")
NETWORK_RE = re.compile(r"^([a-z0-9_-]+:[a-z0-9_-]+(:[a-z0-9_-]+)?|https?://\S+|wss?://\S+)$")


def _custom(problem: str, fix: str) -> PydanticCustomError:
    """A validation error that carries its fix to :func:`_issues_from_validation`."""
    return PydanticCustomError("keeper_config", "{problem}", {"problem": problem, "fix": fix})


def _check_address(value: str) -> str:
    if not isinstance(value, str) or not ADDRESS_RE.match(value):
        raise _custom(
            f"{value!r} is not an address",
            "write the contract address as 0x followed by 40 hex digits (quote it in YAML)",
        )
    from eth_utils import is_checksum_address, to_checksum_address

    if value != value.lower() and value[2:] != value[2:].upper():
        if not is_checksum_address(value):
            raise _custom(
                f"{value!r} has an invalid EIP-55 checksum (a typo?)",
                f"check the address; its checksummed form would be {to_checksum_address(value)}",
            )
    return to_checksum_address(value)


Address = Annotated[str, AfterValidator(_check_address)]


def _check_name(value: str) -> str:
    if not NAME_RE.match(value):
        raise _custom(
            f"{value!r} is not a valid name",
            "use letters, digits and _ . : - (at most 64 characters, no spaces)",
        )
    return value


Name = Annotated[str, AfterValidator(_check_name)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ----------------------------------------------------------------------------- chain
class ChainSettings(_Strict):
    """Which node to talk to."""

    network: str = Field(
        "ethereum:local:foundry",
        description="ape network choice (ecosystem:network:provider) or an RPC URL",
    )
    chain_id: int | None = Field(None, ge=1, description="refuse to run on another chain")
    request_timeout_s: float = Field(10.0, gt=0, le=300)

    @field_validator("network")
    @classmethod
    def _network(cls, value: str) -> str:
        if not NETWORK_RE.match(value):
            raise _custom(
                f"{value!r} is neither an ape network choice nor an RPC URL",
                "write e.g. ethereum:local:foundry, ethereum:mainnet:node or http://127.0.0.1:8545",
            )
        return value


class SignerSettings(_Strict):
    """The account that signs: an ape keystore alias (production) or an ape test account."""

    alias: str | None = Field(None, description="ape account alias (`ape accounts list`)")
    passphrase_env: str | None = Field(
        None, description="environment variable holding the keystore passphrase"
    )
    test_account: int | None = Field(
        None, ge=0, le=99, description="index of an ape test account (local chains only)"
    )

    @model_validator(mode="before")
    @classmethod
    def _no_raw_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key in ("private_key", "key", "secret", "mnemonic", "passphrase"):
                if key in data:
                    raise _custom(
                        f"`signer.{key}` would put a secret in the config file",
                        "import the key once with `ape accounts import <alias>`, then set "
                        "`signer.alias` and `signer.passphrase_env` (the name of an "
                        "environment variable holding the passphrase)",
                    )
            for value in data.values():
                if isinstance(value, str) and RAW_KEY_RE.match(value):
                    raise _custom(
                        "a value under `signer` looks like a raw private key",
                        "remove it at once (and rotate the key); use `ape accounts import`",
                    )
        return data

    @model_validator(mode="after")
    def _one_signer(self) -> SignerSettings:
        if (self.alias is None) == (self.test_account is None):
            raise _custom(
                "give exactly one of `alias` and `test_account`",
                "production: `alias: <ape account alias>` with `passphrase_env`; "
                "local tests: `test_account: <index>`",
            )
        if self.alias is not None and self.passphrase_env is None:
            raise _custom(
                "`alias` needs `passphrase_env` (the keeper never prompts)",
                "add `passphrase_env: KEEPER_PASSPHRASE` and export that variable",
            )
        if self.passphrase_env is not None and not ENV_RE.match(self.passphrase_env):
            raise _custom(
                f"{self.passphrase_env!r} is not an environment variable name",
                "use letters, digits and underscores, e.g. KEEPER_PASSPHRASE",
            )
        return self


# -------------------------------------------------------------------------- tx policy
class TxSettings(_Strict):
    """Fees, replacement of stuck transactions, and waiting for receipts.

    Fees are EIP-1559: ``max_fee = base_fee * base_fee_multiplier + priority_fee``, never
    above ``max_fee_gwei``. A transaction without a receipt after ``stuck_after_s`` is
    re-sent with the same nonce and both fees raised by ``bump_percent`` (at least the
    10 % nodes require), until ``max_fee_gwei``; then it waits at the cap.
    """

    priority_fee_gwei: float = Field(1.0, ge=0, le=10_000)
    base_fee_multiplier: float = Field(2.0, ge=1, le=10)
    max_fee_gwei: float = Field(200.0, gt=0, le=100_000)
    bump_percent: float = Field(12.5, ge=10, le=100)
    stuck_after_s: float = Field(60.0, gt=0, le=86_400)
    receipt_timeout_s: float = Field(900.0, gt=0, le=86_400)
    poll_interval_s: float = Field(1.0, gt=0, le=60)
    gas_limit_multiplier: float = Field(1.25, ge=1, le=5)
    max_gas_limit: int = Field(3_000_000, ge=21_000, le=60_000_000)

    @model_validator(mode="after")
    def _consistent(self) -> TxSettings:
        if self.priority_fee_gwei > self.max_fee_gwei:
            raise _custom(
                f"priority_fee_gwei ({self.priority_fee_gwei}) is above "
                f"max_fee_gwei ({self.max_fee_gwei})",
                "lower priority_fee_gwei or raise max_fee_gwei",
            )
        if self.stuck_after_s >= self.receipt_timeout_s:
            raise _custom(
                "stuck_after_s must be shorter than receipt_timeout_s",
                "e.g. stuck_after_s: 60 and receipt_timeout_s: 900",
            )
        return self


class HealthSettings(_Strict):
    """Prometheus ``/metrics`` and ``/health`` on one local HTTP port."""

    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = Field(9465, ge=0, le=65_535, description="0 picks a free port")

    @field_validator("host")
    @classmethod
    def _local(cls, value: str) -> str:
        if value not in ("127.0.0.1", "localhost", "::1"):
            raise _custom(
                f"health.host {value!r} would expose the endpoint beyond this machine",
                "keep 127.0.0.1 and put a reverse proxy in front if it must be remote",
            )
        return value


class LoggingSettings(_Strict):
    level: str = "INFO"
    json_format: bool = Field(True, alias="json")

    @field_validator("level")
    @classmethod
    def _level(cls, value: str) -> str:
        upper = value.upper()
        if upper not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise _custom(f"unknown log level {value!r}", "use DEBUG, INFO, WARNING or ERROR")
        return upper


class BreakerSettings(_Strict):
    """The circuit breaker: when to stop rather than keep trying."""

    max_consecutive_failures: int = Field(
        10, ge=1, le=10_000, description="a job failing this many runs in a row is paused"
    )
    min_signer_balance_eth: float = Field(
        0.0, ge=0, description="below this the keeper sends nothing and reports unhealthy"
    )
    cooldown_s: float = Field(
        600.0, gt=0, le=86_400, description="a paused job is retried after this long"
    )


# ------------------------------------------------------------------------------ jobs
class BondSettings(_Strict):
    name: Name
    address: Address
    fund_coupons: bool = True
    fund_redemption: bool = True
    auto_approve: bool = Field(
        False, description="approve the bond to pull the agent's stablecoin when short"
    )
    min_partial_units: int = Field(
        1, ge=1, description="never send a partial funding smaller than this (stablecoin units)"
    )
    max_funding_units: int | None = Field(
        None, ge=1, description="cap on what one transaction may fund (stablecoin units)"
    )


class CouponsJob(_Strict):
    """Roll record dates and fund coupons and redemption when chain time says they are due."""

    enabled: bool = True
    interval_s: float = Field(60.0, gt=0, le=86_400)
    bonds: list[BondSettings] = Field(min_length=1)

    @field_validator("bonds")
    @classmethod
    def _unique(cls, bonds: list[BondSettings]) -> list[BondSettings]:
        _no_duplicates([b.name for b in bonds], "bond name")
        _no_duplicates([b.address for b in bonds], "bond address")
        return bonds


class PriceFeedSettings(_Strict):
    """One bond's PriceFeed and the oracle feed that supplies it."""

    name: Name = Field(description="label in logs and metrics (default: the oracle feed name)")
    feed: Name = Field(description="the feed name in the oracle config (kind: price)")
    address: Address = Field(description="the PriceFeed contract of the bond")
    heartbeat_s: int = Field(
        3600, ge=10, le=30 * 86_400, description="push when the on-chain answer is this old"
    )
    deviation_bps: int = Field(
        50, ge=1, le=10_000, description="push when the source moved this much from on-chain"
    )

    @model_validator(mode="before")
    @classmethod
    def _default_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and "name" not in data and "feed" in data:
            data = {**data, "name": data["feed"]}
        return data


class PricesJob(_Strict):
    """Push custodian prices: heartbeat + deviation per feed, values from the oracle."""

    enabled: bool = True
    interval_s: float = Field(15.0, gt=0, le=86_400)
    batcher: Address | None = Field(
        None, description="PriceFeedBatcher: several due feeds in one transaction"
    )
    feeds: list[PriceFeedSettings] = Field(min_length=1)

    @field_validator("feeds")
    @classmethod
    def _unique(cls, feeds: list[PriceFeedSettings]) -> list[PriceFeedSettings]:
        _no_duplicates([f.name for f in feeds], "price feed name")
        _no_duplicates([f.address for f in feeds], "PriceFeed address")
        return feeds


class SovereignSettings(_Strict):
    """One sovereign in the MacroFeed and the two oracle feeds that supply it."""

    name: Name
    address: Address = Field(description="the MacroFeed contract")
    country: str = Field(description="ISO 3166-1 alpha-3 code registered in the MacroFeed")
    debt_feed: Name = Field(description="oracle feed (kind: macro, series: debt_to_gdp)")
    growth_feed: Name = Field(description="oracle feed (kind: macro, series: gdp_growth)")

    @field_validator("country")
    @classmethod
    def _iso3(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Z]{3}", value):
            raise _custom(
                f"{value!r} is not an ISO-3 country code", "write three capital letters, e.g. ITA"
            )
        return value


class MacroJob(_Strict):
    """Push macro observations (a new period, or a revision of one already on-chain)."""

    enabled: bool = True
    interval_s: float = Field(3600.0, gt=0, le=86_400)
    sovereigns: list[SovereignSettings] = Field(min_length=1)

    @field_validator("sovereigns")
    @classmethod
    def _unique(cls, items: list[SovereignSettings]) -> list[SovereignSettings]:
        _no_duplicates([s.name for s in items], "sovereign name")
        _no_duplicates([f"{s.address}:{s.country}" for s in items], "MacroFeed + country")
        return items


class EscrowRoundSettings(_Strict):
    name: Name
    address: Address = Field(description="the Escrow contract of the round")
    batch_size: int = Field(50, ge=1, le=50, description="investors per process_batch call")
    from_block: int = Field(
        0, ge=0, description="first block to scan for Committed events (the deploy block)"
    )


class EscrowJob(_Strict):
    """Settle each funding round once it is decided, then deliver bonds or refunds in
    batches (before the bond's first record date)."""

    enabled: bool = True
    interval_s: float = Field(300.0, gt=0, le=86_400)
    rounds: list[EscrowRoundSettings] = Field(min_length=1)

    @field_validator("rounds")
    @classmethod
    def _unique(cls, items: list[EscrowRoundSettings]) -> list[EscrowRoundSettings]:
        _no_duplicates([r.name for r in items], "escrow round name")
        _no_duplicates([r.address for r in items], "escrow address")
        return items


class NamedContract(_Strict):
    name: Name
    address: Address


class AmmJob(_Strict):
    """Collect the coupons owed to each SteadyAMM pool's bond tokens."""

    enabled: bool = True
    interval_s: float = Field(300.0, gt=0, le=86_400)
    pools: list[NamedContract] = Field(min_length=1)

    @field_validator("pools")
    @classmethod
    def _unique(cls, items: list[NamedContract]) -> list[NamedContract]:
        _no_duplicates([p.name for p in items], "pool name")
        _no_duplicates([p.address for p in items], "pool address")
        return items


class ConversionJob(_Strict):
    """Call the TSDCM (DebtConversion) when its check holds, and its accrual afterwards."""

    enabled: bool = True
    interval_s: float = Field(300.0, gt=0, le=86_400)
    contracts: list[NamedContract] = Field(min_length=1)

    @field_validator("contracts")
    @classmethod
    def _unique(cls, items: list[NamedContract]) -> list[NamedContract]:
        _no_duplicates([c.name for c in items], "conversion name")
        _no_duplicates([c.address for c in items], "DebtConversion address")
        return items


class JobsSettings(_Strict):
    coupons: CouponsJob | None = None
    prices: PricesJob | None = None
    macro: MacroJob | None = None
    escrow: EscrowJob | None = None
    amm: AmmJob | None = None
    conversion: ConversionJob | None = None

    @model_validator(mode="after")
    def _some_job(self) -> JobsSettings:
        if all(getattr(self, name) is None for name in type(self).model_fields):
            raise _custom(
                "no job is configured",
                "add at least `jobs.coupons` (see config/keeper.example.yaml)",
            )
        return self


class KeeperSettings(_Strict):
    """The whole keeper configuration file."""

    version: int
    chain: ChainSettings = ChainSettings()
    signer: SignerSettings
    data_dir: Path = Path("keeper-data")
    deployment: Path | None = Field(
        None, description="deployment file from `ape run deploy`; addresses may be '@key'"
    )
    oracle_config: Path | None = Field(None, description="oracle YAML (prices and macro jobs)")
    tx: TxSettings = TxSettings()
    health: HealthSettings = HealthSettings()
    logging: LoggingSettings = LoggingSettings()
    circuit_breaker: BreakerSettings = BreakerSettings()
    jobs: JobsSettings

    @field_validator("version")
    @classmethod
    def _version(cls, value: int) -> int:
        if value != CONFIG_VERSION:
            raise _custom(
                f"config version {value} is not supported",
                f"this keeper reads `version: {CONFIG_VERSION}`",
            )
        return value

    @model_validator(mode="after")
    def _oracle_needed(self) -> KeeperSettings:
        needs = [n for n in ("prices", "macro") if getattr(self.jobs, n) is not None]
        if needs and self.oracle_config is None:
            raise _custom(
                f"jobs.{needs[0]} needs data from the oracle package",
                "set `oracle_config:` to the oracle YAML file (docs/oracle-config.md)",
            )
        return self

    def enabled_jobs(self) -> list[str]:
        names = []
        for name in JobsSettings.model_fields:
            job = getattr(self.jobs, name)
            if job is not None and job.enabled:
                names.append(name)
        return names


def _no_duplicates(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise _custom(f"duplicate {what} {value!r}", f"give each {what} once")
        seen.add(value)


# ---------------------------------------------------------------------------- errors
_FIXES = {
    "missing": "add this key (see config/keeper.example.yaml)",
    "int_parsing": "write a whole number",
    "int_type": "write a whole number",
    "int_from_float": "write a whole number",
    "float_parsing": "write a number",
    "float_type": "write a number",
    "bool_parsing": "write true or false",
    "bool_type": "write true or false",
    "string_type": "write a string (quote it)",
    "list_type": "write a list (- item per line, or [a, b])",
    "dict_type": "write a mapping (key: value lines)",
    "model_type": "write a mapping (key: value lines)",
    "too_short": "give at least one entry",
    "path_type": "write a file or directory path",
}


def _issues_from_validation(
    exc: ValidationError, model_paths: dict[str, list[str]]
) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        where = config_location(loc)
        kind = error["type"]
        ctx = error.get("ctx") or {}
        if kind == "keeper_config":
            issues.append(ConfigIssue(where, str(ctx.get("problem")), str(ctx.get("fix"))))
            continue
        if kind == "extra_forbidden":
            key = str(loc[-1])
            parent = config_location(loc[:-1])
            known = model_paths.get(parent, [])
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"did you mean `{close[0]}`?" if close else f"known keys: {', '.join(known)}"
            issues.append(ConfigIssue(where, f"unknown key `{key}`", f"remove it; {hint}"))
            continue
        fix = _FIXES.get(kind)
        if fix is None:
            if "greater" in kind or "less" in kind:
                fix = "use a value within the stated limit"
            else:
                fix = "see docs/keeper.md for the allowed values"
        issues.append(ConfigIssue(where, f"{error['msg']} (got {error.get('input')!r})", fix))
    return issues


def _known_keys(data: Any, model: type[BaseModel], prefix: str, out: dict[str, list[str]]) -> None:
    """Map each YAML location to the keys its model accepts (for "did you mean")."""
    out[prefix or "(top level)"] = [
        (field.alias or name) for name, field in model.model_fields.items()
    ]
    if not isinstance(data, dict):
        return
    for name, field in model.model_fields.items():
        key = field.alias or name
        sub = data.get(key)
        for candidate in _models_of(field.annotation):
            where = f"{prefix}.{key}" if prefix else key
            if isinstance(sub, dict):
                _known_keys(sub, candidate, where, out)
            elif isinstance(sub, list):
                for i, item in enumerate(sub):
                    _known_keys(item, candidate, f"{where}[{i}]", out)


def _models_of(annotation: Any) -> list[type[BaseModel]]:
    import typing

    found: list[type[BaseModel]] = []
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    for arg in typing.get_args(annotation):
        found.extend(_models_of(arg))
    return found


def _apply_deployment(data: dict[str, Any], *, source: str, base_dir: Path | None) -> Any:
    """Resolve ``"@key"`` addresses from the ``deployment`` file; default ``chain.chain_id``
    to the deployment's (so the keeper refuses to sign on another chain)."""
    from keeper.deployment import DeploymentFileError, load_deployment, resolve_references

    path = data.get("deployment")
    if path is None:
        refs: list[str] = []

        def find(node: Any, where: str) -> None:
            if isinstance(node, dict):
                for k, v in node.items():
                    find(v, f"{where}.{k}" if where else str(k))
            elif isinstance(node, list):
                for i, v in enumerate(node):
                    find(v, f"{where}[{i}]")
            elif isinstance(node, str) and node.startswith("@"):
                refs.append(where)

        find(data, "")
        if refs:
            raise ConfigError(
                source,
                [
                    ConfigIssue(
                        where,
                        "an '@name' address needs a deployment file",
                        "add `deployment: <file written by ape run deploy>` at the top level",
                    )
                    for where in refs
                ],
            )
        return data
    if not isinstance(path, str):
        raise ConfigError(
            source, [ConfigIssue("deployment", "not a file path", "write the path as a string")]
        )
    file = Path(path)
    if base_dir is not None and not file.is_absolute():
        file = base_dir / file
    try:
        deployment = load_deployment(file)
    except DeploymentFileError as exc:
        raise ConfigError(
            source,
            [ConfigIssue("deployment", str(exc), "run `ape run deploy` or fix the path")],
        ) from None
    resolved, problems = resolve_references(data, deployment)
    if problems:
        raise ConfigError(
            source,
            [
                ConfigIssue(where, message, "use a name listed in the deployment file")
                for where, message in problems
            ],
        )
    chain = dict(resolved.get("chain") or {})
    chain.setdefault("chain_id", deployment.chain_id)
    resolved["chain"] = chain
    return resolved


def parse_settings(
    data: Any, *, source: str = "<config>", base_dir: Path | None = None
) -> KeeperSettings:
    """Validate a mapping (already parsed YAML). Relative paths resolve against ``base_dir``."""
    if not isinstance(data, dict):
        raise ConfigError(
            source,
            [
                ConfigIssue(
                    "(top level)",
                    "the file is not a YAML mapping",
                    "start from config/keeper.example.yaml",
                )
            ],
        )
    data = _apply_deployment(data, source=source, base_dir=base_dir)
    try:
        settings = KeeperSettings.model_validate(data)
    except ValidationError as exc:
        paths: dict[str, list[str]] = {}
        _known_keys(data, KeeperSettings, "", paths)
        raise ConfigError(source, _issues_from_validation(exc, paths)) from None
    if base_dir is not None:
        update: dict[str, Any] = {}
        if not settings.data_dir.is_absolute():
            update["data_dir"] = (base_dir / settings.data_dir).resolve()
        if settings.deployment is not None and not settings.deployment.is_absolute():
            update["deployment"] = (base_dir / settings.deployment).resolve()
        if settings.oracle_config is not None and not settings.oracle_config.is_absolute():
            update["oracle_config"] = (base_dir / settings.oracle_config).resolve()
        if update:
            settings = settings.model_copy(update=update)
    return settings


def load_settings(path: str | Path) -> KeeperSettings:
    """Read and validate the YAML file at ``path`` (relative paths inside it are
    relative to the file's directory)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            str(path),
            [
                ConfigIssue(
                    "(file)",
                    f"cannot read the file: {exc.strerror or exc}",
                    "check the path given to --config",
                )
            ],
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        raise ConfigError(
            str(path),
            [
                ConfigIssue(
                    where,
                    f"not valid YAML: {getattr(exc, 'problem', exc)}",
                    "fix the YAML syntax (indentation, colons, quotes)",
                )
            ],
        ) from None
    return parse_settings(data, source=str(path), base_dir=file.resolve().parent)
