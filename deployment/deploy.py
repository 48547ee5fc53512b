"""Deploy the whole protocol (one corporate and one sovereign bond) from one config.

:func:`deploy_protocol` runs inside any connected ape context (``ape run``, ``ape test``,
``ape console``) and returns a :class:`keeper.deployment.Deployment` (write it with
``Deployment.write``; the keeper reads it). Every transaction is signed by the
*deployer*, which deploys each contract with itself as admin, grants the roles, then hands
``DEFAULT_ADMIN_ROLE`` to ``roles.admin`` and renounces everything it held (including the
temporary KYC operator role it uses to register the pools): afterwards the deployer holds
no role anywhere (the MockUSDC faucet stays with it on local chains). Every step is a
contract call that emits its event (RoleGranted, SovereignAdded, Registered, ...).

Order: stablecoin (MockUSDC on local chains, or the configured token) -> Whitelist ->
MacroFeed (+ the sovereign) -> PriceFeedBatcher -> OGNFT blueprint -> per bond: BondToken
(schedule from ``analytics.bond_math``), Escrow (+ its OGNFT; MINTER_ROLE), PriceFeed
(REPORTER_ROLE: keeper; FORWARDER_ROLE: batcher), SteadyAMM (KYC-registered) -> for the
sovereign bond: DebtConversion (CONVERTER_ROLE) and two MacroFeedAggregator views ->
hand-over to the admin.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deployment.config import (
    ROLE_NAMES,
    BondPlan,
    DeployConfig,
    Plan,
    load_config,
    resolve_plan,
)
from keeper.deployment import Deployment, sha256_file

LOCAL_CHAIN_IDS = (31337, 1337)
DEFAULT_ADMIN_ROLE = b"\x00" * 32
DEBT_TO_GDP, GDP_GROWTH = 1, 2
MAX_STABLECOIN_DECIMALS = 12  # SteadyAMM packs cash into 80 bits
MOCK_USDC_DECIMALS = 6


class DeployError(RuntimeError):
    """The deployment cannot run here (wrong network for the config, unknown account, ...)."""


@dataclass
class _Run:
    """Bookkeeping while deploying: addresses, gas, transactions."""

    deployer: Any
    log: Callable[[str], None]
    contracts: dict[str, str] = field(default_factory=dict)
    gas: int = 0
    transactions: int = 0
    first_block: int | None = None

    def _count(self, receipt: Any) -> Any:
        self.gas += int(receipt.gas_used)
        self.transactions += 1
        if self.first_block is None:
            self.first_block = int(receipt.block_number)
        return receipt

    def deploy(self, key: str | None, container: Any, *args: Any) -> Any:
        from ape import chain

        instance = self.deployer.deploy(container, *args)
        self._count(chain.get_receipt(instance.txn_hash))
        if key is not None:
            self.contracts[key] = instance.address
            self.log(f"  {key:<22} {container.contract_type.name:<20} {instance.address}")
        return instance

    def declare(self, key: str, container: Any) -> str:
        # sender set up front: ape estimates the gas of a declare from the zero address otherwise
        receipt = self._count(self.deployer.declare(container, sender=self.deployer.address))
        self.contracts[key] = receipt.contract_address
        self.log(
            f"  {key:<22} {container.contract_type.name + ' blueprint':<20} "
            f"{receipt.contract_address}"
        )
        return receipt.contract_address

    def call(self, method: Any, *args: Any) -> Any:
        return self._count(method(*args, sender=self.deployer))


def is_local_chain() -> bool:
    from ape import chain, networks

    network = networks.provider.network
    return bool(network.is_dev) or chain.chain_id in LOCAL_CHAIN_IDS


def _account(spec: int | str, *, local: bool, where: str, signer: bool = False) -> Any:
    """An ape account (test index or alias) or, for non-signers, a plain address."""
    from ape import accounts
    from ape.exceptions import AccountsError

    if isinstance(spec, int):
        if not local:
            raise DeployError(
                f"{where}: test-account index {spec} on a non-local chain; "
                "use an address or an ape account alias"
            )
        return accounts.test_accounts[spec]
    if spec.startswith("0x"):
        if not signer:
            return spec
        for candidate in [*accounts.test_accounts] if local else []:
            if candidate.address == spec:
                return candidate
        try:
            return accounts[spec]
        except (KeyError, IndexError, AccountsError):
            raise DeployError(
                f"{where}: {spec} must sign the deployment but no ape account holds its key; "
                "import it (`ape accounts import <alias>`) and give the alias"
            ) from None
    try:
        return accounts.load(spec)
    except (KeyError, IndexError, AccountsError):
        raise DeployError(
            f"{where}: no ape account alias {spec!r} (`ape accounts list` shows them)"
        ) from None


def _address(account: Any) -> str:
    return account if isinstance(account, str) else account.address


def resolve_accounts(
    config: DeployConfig, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Role name -> ape account or address: ``deployer``, the roles, and each bond's issuer
    (``corporate.issuer``, ``sovereign.issuer``). ``overrides`` replaces entries."""
    local = is_local_chain()
    overrides = dict(overrides or {})
    resolved: dict[str, Any] = {}
    resolved["deployer"] = overrides.pop("deployer", None) or _account(
        config.deployer, local=local, where="deployer", signer=True
    )
    for name in (*ROLE_NAMES, "second_reporter"):
        spec = getattr(config.roles, name)
        if name in overrides:
            resolved[name] = overrides.pop(name)
        elif spec is not None:
            resolved[name] = _account(spec, local=local, where=f"roles.{name}")
    for key in ("corporate", "sovereign"):
        name = f"{key}.issuer"
        spec = getattr(config, key).issuer
        if name in overrides:
            resolved[name] = overrides.pop(name)
        elif spec is not None:
            resolved[name] = _account(spec, local=local, where=name)
        else:
            resolved[name] = resolved["issuer"]
    if overrides:
        known = ", ".join(sorted(resolved))
        raise DeployError(f"unknown account names {sorted(overrides)} (known: {known})")
    return resolved


def deploy_protocol(
    config: DeployConfig,
    *,
    accounts: Mapping[str, Any] | None = None,
    config_file: str | Path | None = None,
    log: Callable[[str], None] = lambda _msg: None,
) -> Deployment:
    """Deploy everything the config describes on the connected chain.

    Args:
        config: the validated configuration (:func:`deployment.config.load_config`).
        accounts: overrides of the config's accounts, by role name (``deployer``,
            ``admin``, ..., ``corporate.issuer``): ape accounts or addresses.
        config_file: recorded in the deployment file with its SHA-256.
        log: receives one line per step (the script prints them).

    Raises:
        DeployError: the config does not fit the connected chain.
        deployment.config.DeployConfigError: the terms resolved at the chain's time are
            invalid (e.g. a deadline after the first coupon date); nothing was sent.
    """
    from ape import chain, networks, project

    started = time.monotonic()
    local = is_local_chain()
    who = resolve_accounts(config, accounts)
    deployer = who["deployer"]
    addr = {name: _address(acct) for name, acct in who.items()}
    if config.stablecoin.mock and not local:
        raise DeployError(
            "stablecoin.mock: MockUSDC is for local chains only; give `stablecoin.address`"
        )
    now = chain.blocks.head.timestamp
    run = _Run(deployer=deployer, log=log)
    log(
        f"deploying on chain {chain.chain_id} at block {chain.blocks.head.number} "
        f"(chain time {now}) as {deployer.address}"
    )

    # -- stablecoin: its decimals first, so the plan is checked before anything is sent
    if config.stablecoin.mock:
        decimals = MOCK_USDC_DECIMALS
    else:
        usdc_address = str(config.stablecoin.address)
        if not chain.provider.get_code(usdc_address):
            raise DeployError(f"stablecoin.address {usdc_address} has no code on this chain")
        usdc = project.MockUSDC.at(usdc_address)  # only the ERC-20 views are used
        decimals = int(usdc.decimals())
        if decimals > MAX_STABLECOIN_DECIMALS:
            raise DeployError(f"the stablecoin has {decimals} decimals; SteadyAMM takes <= 12")
    # Dates against chain time, amounts against decimals, every constructor rule checked.
    plan = resolve_plan(config, now, decimals)
    if config.stablecoin.mock:
        usdc = run.deploy("stablecoin", project.MockUSDC)
        if int(usdc.decimals()) != MOCK_USDC_DECIMALS:
            raise DeployError("MockUSDC's decimals changed; update MOCK_USDC_DECIMALS")
    else:
        run.contracts["stablecoin"] = usdc_address

    # -- shared registries
    wl = run.deploy("whitelist", project.Whitelist, deployer)
    kyc_role = wl.KYC_OPERATOR_ROLE()
    run.call(wl.grantRole, kyc_role, addr["kyc_operator"])
    run.call(wl.grantRole, wl.COMPLIANCE_ROLE(), addr["compliance"])
    if addr["kyc_operator"] != deployer.address:
        run.call(wl.grantRole, kyc_role, deployer.address)  # temporary: pool registration

    macro = run.deploy("macro_feed", project.MacroFeed, deployer)
    run.call(macro.grantRole, macro.REPORTER_ROLE(), addr["keeper"])
    sov = config.sovereign
    run.call(macro.add_sovereign, sov.country.encode(), sov.macro_frequency)

    batcher = run.deploy("price_batcher", project.PriceFeedBatcher)
    blueprint = run.declare("og_blueprint", project.OGNFT)

    # -- the two bonds
    access_controlled = [wl, macro]
    bonds = {}
    for bp in (plan.corporate, plan.sovereign):
        bond, feed, amm = _deploy_bond(run, bp, plan, addr, usdc, wl, batcher, blueprint, config)
        bonds[bp.key] = bond
        access_controlled += [bond, feed, amm]

    # -- TSDCM for the sovereign bond
    terms = plan.conversion.as_terms()
    conv = run.deploy(
        "sovereign.conversion",
        project.DebtConversion,
        bonds["sovereign"],
        macro,
        sov.country.encode(),
        terms,
        addr["admin"],
        addr["sovereign.issuer"],
        sov.conversion.plt_name,
        sov.conversion.plt_symbol,
    )
    bond = bonds["sovereign"]
    run.call(bond.grantRole, bond.CONVERTER_ROLE(), conv.address)
    if sov.aggregators:
        for key, series, label in (
            ("sovereign.debt_aggregator", DEBT_TO_GDP, "general government debt, % of GDP"),
            ("sovereign.growth_aggregator", GDP_GROWTH, "real GDP growth, % a year"),
        ):
            run.deploy(
                key,
                project.MacroFeedAggregator,
                macro,
                sov.country.encode(),
                series,
                f"{sov.country} {label}",
            )

    # -- stablecoin faucet (MockUSDC only)
    for name, amount in plan.mint_units.items():
        run.call(usdc.mint, addr[name], amount)

    # -- hand-over: the admin gets DEFAULT_ADMIN_ROLE, the deployer renounces everything
    if addr["kyc_operator"] != deployer.address:
        run.call(wl.renounceRole, kyc_role, deployer.address)
    if addr["admin"] != deployer.address:
        for contract in access_controlled:
            run.call(contract.grantRole, DEFAULT_ADMIN_ROLE, addr["admin"])
            run.call(contract.renounceRole, DEFAULT_ADMIN_ROLE, deployer.address)
    log("  admin roles handed over to " + addr["admin"])

    head = chain.blocks.head
    elapsed = time.monotonic() - started
    log(f"done: {run.transactions} transactions, {run.gas:,} gas, {elapsed:.1f} s")
    first_block = run.first_block if run.first_block is not None else head.number
    return Deployment(
        chain_id=chain.chain_id,
        block=first_block,
        deployed_at=int(chain.blocks[first_block].timestamp),
        contracts=dict(run.contracts),
        network=networks.provider.network_choice,
        config_file=str(config_file) if config_file is not None else "",
        config_sha256=sha256_file(config_file) if config_file is not None else "",
        accounts=addr,
        details=_details(plan, config, run, decimals, usdc, addr, elapsed),
    )


def _deploy_bond(
    run: _Run,
    bp: BondPlan,
    plan: Plan,
    addr: dict[str, str],
    usdc: Any,
    wl: Any,
    batcher: Any,
    blueprint: str,
    config: DeployConfig,
) -> tuple[Any, Any, Any]:
    from ape import project

    from analytics import bond_math

    c = bp.config
    k = bp.key
    deployer = run.deployer.address
    bond = run.deploy(
        f"{k}.bond",
        project.BondToken,
        c.name,
        c.symbol,
        c.isin,
        addr[f"{k}.issuer"],
        usdc,
        wl,
        bp.denomination_units,
        bp.issue_volume_wei,
        c.coupon_rate_bps,
        c.frequency,
        bond_math.to_timestamp(bp.issue),
        int(bp.basis),
        bp.coupon_dates,
        bp.coupon_amounts,
        deployer,
    )
    escrow = run.deploy(
        f"{k}.escrow",
        project.Escrow,
        bond,
        usdc,
        addr["custodian"],
        addr[f"{k}.issuer"],
        bp.target_units,
        c.round.initial_share_bps,
        c.round.activation_bps,
        bp.min_ticket_units,
        bp.duration_s,
        bp.min_raise_units,
        blueprint,
        c.round.og_name,
        c.round.og_symbol,
        c.round.og_base_uri,
    )
    run.contracts[f"{k}.og_nft"] = escrow.OG_NFT()
    run.log(f"  {k + '.og_nft':<22} {'OGNFT':<20} {run.contracts[k + '.og_nft']}")
    run.call(bond.grantRole, bond.MINTER_ROLE(), escrow.address)
    agents = [addr["paying_agent"]]
    if config.keeper_roles.paying_agent and addr["keeper"] not in agents:
        agents.append(addr["keeper"])
    for agent in agents:
        run.call(bond.grantRole, bond.PAYING_AGENT_ROLE(), agent)
    run.call(bond.grantRole, bond.PAUSER_ROLE(), addr["compliance"])

    feed = run.deploy(
        f"{k}.price_feed",
        project.PriceFeed,
        bond,
        c.price_feed.description,
        c.price_feed.max_deviation_bps,
        deployer,
    )
    reporters = [addr["keeper"]]
    if addr.get("second_reporter") and addr["second_reporter"] not in reporters:
        reporters.append(addr["second_reporter"])
    for reporter in reporters:
        run.call(feed.grantRole, feed.REPORTER_ROLE(), reporter)
    run.call(feed.grantRole, feed.FORWARDER_ROLE(), batcher.address)

    amm = run.deploy(
        f"{k}.amm",
        project.SteadyAMM,
        bond,
        feed,
        c.amm.lp_name,
        c.amm.lp_symbol,
        c.amm.fee_bps,
        c.amm.band_bps,
        c.amm.max_oracle_age_s,
        deployer,
    )
    run.call(amm.grantRole, amm.PAUSER_ROLE(), addr["compliance"])
    # The pool holds bonds and collects their coupons: it must be KYC-verified.
    run.call(wl.register, amm.address, plan.pool_kyc_expiry, 0)
    return bond, feed, amm


def _details(
    plan: Plan,
    config: DeployConfig,
    run: _Run,
    decimals: int,
    usdc: Any,
    addr: dict[str, str],
    elapsed: float,
) -> dict[str, Any]:
    from ape import project

    out: dict[str, Any] = {
        "stablecoin": {
            "mock": config.stablecoin.mock,
            "symbol": str(usdc.symbol()),
            "decimals": decimals,
        },
        "gas": {
            "total": run.gas,
            "transactions": run.transactions,
            "seconds": round(elapsed, 2),
        },
        "pool_kyc_expiry": plan.pool_kyc_expiry,
        # the chain time that relative times ("+30d") were resolved against
        "reference_time": plan.now_ts,
    }
    for bp in (plan.corporate, plan.sovereign):
        c = bp.config
        escrow = project.Escrow.at(run.contracts[f"{bp.key}.escrow"])
        out[bp.key] = {
            "name": c.name,
            "symbol": c.symbol,
            "isin": c.isin,
            "issuer": addr[f"{bp.key}.issuer"],
            "denomination_units": bp.denomination_units,
            "issue_volume_tokens": c.issue_volume,
            "coupon_rate_bps": c.coupon_rate_bps,
            "frequency": c.frequency,
            "day_count": bp.basis.label,
            "day_count_code": int(bp.basis),
            "end_of_month": c.end_of_month,
            "issue_date": bp.issue.isoformat(),
            "maturity_date": bp.maturity.isoformat(),
            "schedule": [
                {
                    "period": p.index,
                    "start": p.start.isoformat(),
                    "end": p.end.isoformat(),
                    "record_ts": p.end_ts,
                    "coupon_units": p.coupon_units,
                }
                for p in bp.table
            ],
            "round": {
                "target_units": bp.target_units,
                "initial_share_bps": c.round.initial_share_bps,
                "activation_bps": c.round.activation_bps,
                "min_ticket_units": bp.min_ticket_units,
                "min_raise_units": int(escrow.MIN_RAISE()),
                "opened_at": int(escrow.OPENED_AT()),
                "deadline": int(escrow.DEADLINE()),
                "settle_by": int(escrow.SETTLE_BY()),
            },
            "price_feed": {
                "description": c.price_feed.description,
                "max_deviation_bps": c.price_feed.max_deviation_bps,
            },
            "amm": {
                "fee_bps": c.amm.fee_bps,
                "band_bps": c.amm.band_bps,
                "max_oracle_age_s": c.amm.max_oracle_age_s,
            },
        }
    conv = plan.conversion
    out["sovereign"]["country"] = config.sovereign.country
    out["sovereign"]["macro_frequency"] = config.sovereign.macro_frequency
    out["sovereign"]["conversion"] = {
        **conv.as_terms(),
        "alpha_decimal": str(config.sovereign.conversion.alpha),
        "beta_decimal": str(config.sovereign.conversion.beta),
        "gamma_decimal": str(config.sovereign.conversion.gamma),
    }
    return out


# ----------------------------------------------------------------- script support
class DeployRefused(RuntimeError):
    """The output file describes a deployment that is still live (or another chain)."""


def check_existing(out: Path, *, redeploy: bool, log: Callable[[str], None]) -> None:
    """Refuse to overwrite a live deployment (or one for another chain) without ``redeploy``.

    A file whose contracts all lack code on this chain (e.g. a restarted Anvil) is stale
    and replaced with a note.
    """
    from ape import chain

    from keeper.deployment import DeploymentFileError, load_deployment

    if not out.exists():
        return
    try:
        existing = load_deployment(out)
    except DeploymentFileError as exc:
        if redeploy:
            log(f"note: replacing {out} ({exc})")
            return
        raise DeployRefused(
            f"{out} exists and is not a readable deployment file ({exc}); "
            "move it away or pass --redeploy to overwrite it"
        ) from None
    if existing.chain_id != chain.chain_id:
        if redeploy:
            log(f"note: {out} was for chain {existing.chain_id}; replacing it (--redeploy)")
            return
        raise DeployRefused(
            f"{out} describes a deployment on chain {existing.chain_id}, but the connected "
            f"chain is {chain.chain_id}; use another --out file, or pass --redeploy to "
            "replace it"
        )
    from eth_utils import is_address, to_checksum_address

    bad = [k for k, a in existing.contracts.items() if not is_address(a)]
    if bad and not redeploy:
        raise DeployRefused(
            f"{out}: {', '.join(bad)} not addresses; fix the file or pass --redeploy"
        )
    live = [
        k
        for k, a in existing.contracts.items()
        if is_address(a) and chain.provider.get_code(to_checksum_address(a))
    ]
    if not live:
        log(
            f"note: none of the {len(existing.contracts)} contracts in {out} has code on "
            f"chain {chain.chain_id} (a fresh node?): deploying anew"
        )
        return
    if redeploy:
        log(
            f"note: {out} describes a live deployment ({len(live)} contracts with code); "
            "deploying a new one (--redeploy)"
        )
        return
    raise DeployRefused(
        f"{out} describes a deployment that is live on chain {chain.chain_id} "
        f"({len(live)} of {len(existing.contracts)} contracts have code, block "
        f"{existing.block}); refusing to deploy again. Use that deployment, write to "
        "another --out file, or pass --redeploy to deploy anew and replace the file"
    )


def deploy_to_file(
    config_path: str | Path,
    out: str | Path,
    *,
    redeploy: bool = False,
    accounts: Mapping[str, Any] | None = None,
    log: Callable[[str], None] = print,
) -> Deployment:
    """What ``ape run deploy`` does: validate, check the output file, deploy, write."""
    config = load_config(config_path)
    out_path = Path(out)
    check_existing(out_path, redeploy=redeploy, log=log)
    deployment = deploy_protocol(config, accounts=accounts, config_file=config_path, log=log)
    deployment.write(out_path)
    log(f"wrote {out_path}")
    return deployment
