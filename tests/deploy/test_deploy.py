"""The deployment from config/deploy.local.yaml agrees with the chain and with bond_math."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
import yaml

from analytics import bond_math
from deployment.config import resolve_date, resolve_time
from keeper.deployment import load_deployment
from keeper.settings import parse_settings
from tests.deploy.conftest import CONFIG, ROOT

DEFAULT_ADMIN = b"\x00" * 32
BONDS = ("corporate", "sovereign")
PER_BOND = ("bond", "escrow", "og_nft", "price_feed", "amm")
EXPECTED_KEYS = {
    "stablecoin",
    "whitelist",
    "macro_feed",
    "price_batcher",
    "sovereign.conversion",
    *(f"{b}.{k}" for b in BONDS for k in PER_BOND),
}


def test_every_contract_has_code_on_this_chain(deployed, chain):
    assert EXPECTED_KEYS <= set(deployed.contracts)
    assert len(set(deployed.contracts.values())) == len(deployed.contracts)
    for key, address in deployed.contracts.items():
        assert chain.provider.get_code(address), f"{key} at {address} has no code"
    assert deployed.chain_id == chain.chain_id


def test_file_round_trips_and_records_block_and_config_hash(deployed, deployment_file, chain):
    loaded = load_deployment(deployment_file)
    assert loaded.contracts == deployed.contracts
    assert loaded.accounts == deployed.accounts
    assert loaded.details == deployed.details
    assert loaded.config_sha256 == hashlib.sha256(CONFIG.read_bytes()).hexdigest()
    # `block` is the deployment's first block: the stablecoin appears in it, not before.
    stablecoin = deployed.address("stablecoin")
    assert chain.provider.get_code(stablecoin, block_id=loaded.block)
    assert not chain.provider.get_code(stablecoin, block_id=loaded.block - 1)
    assert loaded.deployed_at == chain.blocks[loaded.block].timestamp


def test_contracts_are_wired_to_each_other(at, deployed):
    stablecoin, whitelist = deployed.address("stablecoin"), deployed.address("whitelist")
    for b in BONDS:
        bond, escrow, feed, amm = (at(f"{b}.{k}") for k in ("bond", "escrow", "price_feed", "amm"))
        assert bond.STABLECOIN() == stablecoin and bond.WHITELIST() == whitelist
        assert escrow.BOND() == bond.address and escrow.STABLECOIN() == stablecoin
        assert escrow.OG_NFT() == deployed.address(f"{b}.og_nft")
        assert at(f"{b}.og_nft").owner() == escrow.address
        assert feed.bond() == bond.address
        assert amm.BOND() == bond.address and amm.FEED() == feed.address
    conv = at("sovereign.conversion")
    assert conv.BOND() == deployed.address("sovereign.bond")
    assert conv.FEED() == deployed.address("macro_feed")
    sovereign = deployed.details["sovereign"]["country"].encode()
    assert conv.sovereign() == sovereign
    assert at("macro_feed").frequency(sovereign) == deployed.details["sovereign"]["macro_frequency"]


def test_roles_are_granted_as_configured(at, deployed):
    acct = deployed.accounts
    wl, macro = at("whitelist"), at("macro_feed")
    expected = [
        (wl, DEFAULT_ADMIN, acct["admin"]),
        (wl, wl.KYC_OPERATOR_ROLE(), acct["kyc_operator"]),
        (wl, wl.COMPLIANCE_ROLE(), acct["compliance"]),
        (macro, DEFAULT_ADMIN, acct["admin"]),
        (macro, macro.REPORTER_ROLE(), acct["keeper"]),
    ]
    for b in BONDS:
        bond, feed, amm = at(f"{b}.bond"), at(f"{b}.price_feed"), at(f"{b}.amm")
        expected += [
            (bond, DEFAULT_ADMIN, acct["admin"]),
            (bond, bond.MINTER_ROLE(), deployed.address(f"{b}.escrow")),
            (bond, bond.PAYING_AGENT_ROLE(), acct["paying_agent"]),
            (bond, bond.PAYING_AGENT_ROLE(), acct["keeper"]),  # keeper_roles.paying_agent
            (bond, bond.PAUSER_ROLE(), acct["compliance"]),
            (feed, DEFAULT_ADMIN, acct["admin"]),
            (feed, feed.REPORTER_ROLE(), acct["keeper"]),
            (feed, feed.FORWARDER_ROLE(), deployed.address("price_batcher")),
            (amm, DEFAULT_ADMIN, acct["admin"]),
            (amm, amm.PAUSER_ROLE(), acct["compliance"]),
        ]
    sov = at("sovereign.bond")
    conv = at("sovereign.conversion")
    expected += [
        (sov, sov.CONVERTER_ROLE(), conv.address),
        (conv, DEFAULT_ADMIN, acct["admin"]),
        (conv, conv.SOVEREIGN_ROLE(), acct["sovereign.issuer"]),
    ]
    missing = [(c.address, r.hex(), who) for c, r, who in expected if not c.hasRole(r, who)]
    assert not missing
    # Only the escrow mints and only the conversion retires: nobody else got those roles.
    for b in BONDS:
        bond = at(f"{b}.bond")
        for name, who in acct.items():
            assert not bond.hasRole(bond.MINTER_ROLE(), who), name
            assert not bond.hasRole(bond.CONVERTER_ROLE(), who), name


def test_deployer_keeps_no_role(at, deployed):
    deployer = deployed.accounts["deployer"]
    assert deployer != deployed.accounts["admin"]  # the example exercises the hand-over
    wl = at("whitelist")
    assert not wl.hasRole(wl.KYC_OPERATOR_ROLE(), deployer)
    assert not wl.hasRole(wl.COMPLIANCE_ROLE(), deployer)
    keys = ["whitelist", "macro_feed", "sovereign.conversion"]
    keys += [f"{b}.{k}" for b in BONDS for k in ("bond", "price_feed", "amm")]
    for key in keys:
        assert not at(key).hasRole(DEFAULT_ADMIN, deployer), key


def test_pools_are_kyc_verified_until_after_maturity(at, deployed):
    wl = at("whitelist")
    for b in BONDS:
        amm = deployed.address(f"{b}.amm")
        assert wl.is_verified(amm)
        assert wl.investor(amm)[3] > at(f"{b}.bond").maturityDate()


@pytest.mark.parametrize("key", BONDS)
def test_schedule_on_chain_and_in_file_equals_bond_math(at, deployed, deploy_config, key):
    terms = getattr(deploy_config, key)
    details = deployed.details[key]
    reference = deployed.details["reference_time"]
    # The relative dates of the config, resolved against the recorded chain time.
    issue = resolve_date(terms.issue_date, reference)
    assert details["issue_date"] == issue.isoformat()
    assert deployed.deployed_at - reference < 3_600  # resolved at deployment, not elsewhen
    year = issue.year + terms.tenor_years
    maturity = date(year, issue.month, min(issue.day, bond_math.days_in_month(year, issue.month)))
    decimals = deployed.details["stablecoin"]["decimals"]
    table = bond_math.coupon_table(
        issue,
        maturity,
        terms.frequency,
        terms.coupon_rate_bps,
        int(terms.denomination * 10**decimals),
        bond_math.DayCount.parse(terms.day_count),
        terms.end_of_month,
    )
    bond = at(f"{key}.bond")
    assert bond.issueDate() == bond_math.to_timestamp(issue)
    assert bond.maturityDate() == table[-1].end_ts == bond_math.to_timestamp(maturity)
    assert bond.periodCount() == len(table) == len(details["schedule"])
    assert bond.dayCountBasis() == int(bond_math.DayCount.parse(terms.day_count))
    assert bond.couponRate() == terms.coupon_rate_bps
    assert bond.couponFrequency() == terms.frequency
    for period, row in zip(table, details["schedule"], strict=True):
        assert tuple(bond.coupon_period(period.index)) == (period.end_ts, period.coupon_units)
        assert row == {
            "period": period.index,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "record_ts": period.end_ts,
            "coupon_units": period.coupon_units,
        }


@pytest.mark.parametrize("key", BONDS)
def test_round_opens_at_deployment_and_closes_before_the_first_coupon(
    at, deployed, deploy_config, key
):
    escrow, bond = at(f"{key}.escrow"), at(f"{key}.bond")
    cfg = getattr(deploy_config, key).round
    reference = deployed.details["reference_time"]
    planned = resolve_time(cfg.deadline, reference)
    # DEADLINE = the deploying block's time + (planned - reference): a few seconds later.
    assert planned <= escrow.DEADLINE() <= planned + (escrow.OPENED_AT() - reference)
    assert escrow.DEADLINE() < bond.coupon_period(1)[0]
    assert escrow.DEADLINE() <= bond.issueDate()
    decimals = deployed.details["stablecoin"]["decimals"]
    assert escrow.TARGET() == int(cfg.target * 10**decimals)
    assert escrow.MIN_TICKET() == int(cfg.min_ticket * 10**decimals)
    min_raise = cfg.target if cfg.min_raise is None else cfg.min_raise
    assert escrow.MIN_RAISE() == int(min_raise * 10**decimals)
    assert escrow.CUSTODIAN() == deployed.accounts["custodian"]
    assert escrow.ISSUER() == deployed.accounts[f"{key}.issuer"]
    assert escrow.phase() == 1  # OPEN


def test_conversion_terms_are_the_configured_ones(at, deployed, deploy_config):
    conv = at("sovereign.conversion")
    c = deploy_config.sovereign.conversion
    wad = 10**18
    assert conv.debtThreshold() == c.debt_threshold_bps
    assert conv.growthThreshold() == c.growth_threshold_bps
    assert (conv.alpha(), conv.beta(), conv.gamma()) == (
        int(c.alpha * wad),
        int(c.beta * wad),
        int(c.gamma * wad),
    )
    assert conv.pltMaturity() == resolve_time(c.plt_maturity, deployed.details["reference_time"])
    assert conv.maxAge() == c.max_age_days * 86_400
    assert conv.confirmationDelay() == c.confirmation_delay_days * 86_400
    assert conv.confirmations() == c.confirmations
    ok, code, reason = conv.check()
    assert not ok and reason  # no macro data yet: the rule does not hold
    assert conv.check()[1] != conv.NOT_CONVERTER()  # ... but the role is in place


def test_amm_and_feed_parameters(at, deploy_config):
    for key in BONDS:
        cfg = getattr(deploy_config, key)
        fee, band, age, paused = at(f"{key}.amm").parameters()
        assert (fee, band, age, paused) == (
            cfg.amm.fee_bps,
            cfg.amm.band_bps,
            cfg.amm.max_oracle_age_s,
            False,
        )
        assert at(f"{key}.price_feed").description() == cfg.price_feed.description


def test_mock_stablecoin_faucet_balances(at, deployed, deploy_config):
    usdc = at("stablecoin")
    decimals = deployed.details["stablecoin"]["decimals"]
    for name, amount in deploy_config.stablecoin.mint.items():
        assert usdc.balanceOf(deployed.accounts[name]) >= int(amount * 10**decimals)


def test_keeper_config_with_references_resolves_to_the_deployment(deployed, deployment_file):
    data = yaml.safe_load((ROOT / "config" / "keeper.local.yaml").read_text())
    data["deployment"] = str(deployment_file)
    settings = parse_settings(data, base_dir=ROOT / "config")
    assert settings.chain.chain_id == deployed.chain_id
    assert [b.address for b in settings.jobs.coupons.bonds] == [
        deployed.address("corporate.bond"),
        deployed.address("sovereign.bond"),
    ]
    # config/deploy.local.yaml's keeper is the keeper config's signer
    assert deployed.accounts["keeper"] == accounts_address(settings.signer.test_account)


def accounts_address(index: int) -> str:
    from ape import accounts

    return accounts.test_accounts[index].address


def test_every_contract_key_resolves_in_a_keeper_config(deployed, deployment_file):
    """The jobs still being written (escrow, amm, conversion) resolve '@key' the same way."""
    pairs = [("corporate", "BLC3"), ("sovereign", "BLS5")]
    data = {
        "version": 1,
        "deployment": str(deployment_file),
        "signer": {"test_account": 6},
        "jobs": {
            "escrow": {"rounds": [{"name": n, "address": f"@{b}.escrow"} for b, n in pairs]},
            "amm": {"pools": [{"name": n, "address": f"@{b}.amm"} for b, n in pairs]},
            "conversion": {"contracts": [{"name": "c", "address": "@sovereign.conversion"}]},
        },
    }
    jobs = parse_settings(data).jobs
    assert [r.address for r in jobs.escrow.rounds] == [
        deployed.address(f"{b}.escrow") for b, _ in pairs
    ]
    assert [p.address for p in jobs.amm.pools] == [deployed.address(f"{b}.amm") for b, _ in pairs]
    assert jobs.conversion.contracts[0].address == deployed.address("sovereign.conversion")
