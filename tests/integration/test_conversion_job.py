"""The conversion job against the real MacroFeed, DebtConversion and BondToken on Anvil:
nothing is sent while check() fails; once macro data pushed by a reporter makes the rule
hold, the keeper converts exactly once; new growth data is then accrued."""

from __future__ import annotations

from typing import Any

import pytest
from eth_utils import keccak

from analytics import bond_math
from tests.conftest import TOKEN
from tests.integration.conftest import mine_at, reverted_receipts
from tests.utils import tsdcm_model as m

CODE = b"ITA"
DEBT, GROWTH = 1, 2
CONVERTED = (
    "0x"
    + keccak(text="Converted(address,uint256,int256,uint256,int256,uint256,uint256,uint256)").hex()
)


@pytest.fixture
def reporter(accounts):
    """The oracle signer of the MacroFeed (REPORTER_ROLE); not the keeper."""
    account = accounts.generate_test_account()
    account.balance = 10**21
    return account


@pytest.fixture
def params(chain) -> m.Params:
    """Thresholds D* 80 %, g* 3 %, alpha 25 %, T six years out, a week's confirmation
    delay, annual data (the tsdcm test suite's parameters)."""
    return m.Params(
        debt_threshold=8_000,
        growth_threshold=300,
        alpha=m.WAD // 4,
        beta=m.WAD // 10,
        gamma=3 * m.WAD // 10,
        plt_maturity=chain.pending_timestamp + 6 * m.YEAR,
        max_age=400 * m.DAY,
        delay=7 * m.DAY,
        confirmations=1,
    )


@pytest.fixture
def conversion(project, admin, issuer, bond, reporter, params, minter, alice, bob, verify):
    feed = admin.deploy(project.MacroFeed, admin)
    feed.grantRole(feed.REPORTER_ROLE(), reporter, sender=admin)
    feed.add_sovereign(CODE, 1, sender=admin)
    conv = admin.deploy(
        project.DebtConversion, bond, feed, CODE, params.as_terms(), admin, issuer,
        "Bondline PLT ITA", "PLT",
    )  # fmt: skip
    bond.grantRole(bond.CONVERTER_ROLE(), conv, sender=admin)
    verify(alice, bob)
    bond.mint(alice, 600 * TOKEN, sender=minter)
    bond.mint(bob, 400 * TOKEN, sender=minter)
    return conv, feed


def _jobs(conv) -> dict[str, Any]:
    return {
        "conversion": {"interval_s": 1, "contracts": [{"name": "ITA", "address": conv.address}]}
    }


def _pass(keeper) -> Any:
    reports = keeper.run_once()
    assert not keeper.last_error, keeper.last_error
    return reports[0]


def _conversions(chain, conv) -> int:
    return len(
        chain.provider.web3.eth.get_logs(
            {"address": conv.address, "fromBlock": 0, "toBlock": "latest", "topics": [CONVERTED]}
        )
    )


def test_rule_holds__converted_exactly_once__then_new_growth_accrued(
    chain, conversion, bond, reporter, params, alice, make_job_keeper, stranger
):
    conv, feed = conversion
    keeper = make_job_keeper(stranger, _jobs(conv))
    last_year = bond_math.from_timestamp(chain.blocks.head.timestamp).year - 1
    # No data: check() fails, nothing is sent.
    height = chain.blocks.height
    assert _pass(keeper).actions == []
    assert chain.blocks.height == height
    code = conv.check()[1]
    assert code == m.NO_DEBT_DATA
    assert keeper.metrics.value("keeper_conversion_check_code", {"contract": "ITA"}) == code
    # Debt above D*: the rule does not hold, still nothing sent.
    receipt = feed.report_pair(
        CODE, last_year, params.debt_threshold + 500, 400, chain.blocks.head.timestamp,
        sender=reporter,
    )  # fmt: skip
    mine_at(chain, chain.blocks[receipt.block_number].timestamp + params.delay)
    assert conv.check()[1] == m.DEBT_ABOVE_THRESHOLD
    assert _pass(keeper).actions == []
    # The statistics office revises debt below D*: within the confirmation delay, nothing.
    receipt = feed.report(
        CODE, DEBT, last_year, params.debt_threshold - 500, chain.blocks.head.timestamp,
        sender=reporter,
    )  # fmt: skip
    assert not conv.check()[0]
    assert _pass(keeper).actions == []
    # Once the delay has passed the rule holds: converted exactly once.
    mine_at(chain, chain.blocks[receipt.block_number].timestamp + params.delay)
    assert conv.check()[0]
    supply = bond.totalSupply()
    report = _pass(keeper)
    assert report.actions[0] == f"tsdcm:{conv.address}:convert (mined)"
    assert conv.converted() and _conversions(chain, conv) == 1
    assert bond.totalSupply() == supply - supply * params.alpha // m.WAD
    # The same pass accrued what the conversion left to fold in (checkUpkeep said so).
    assert not conv.accrual_pending()
    accrued = report.actions[1:]
    assert accrued and all(a.startswith(f"tsdcm:{conv.address}:accrue:") for a in accrued)
    assert _pass(keeper).actions == []
    nodes = conv.accruedNodes()
    # New growth data (next year's statistic) arrives: accrued once, never converted again.
    mine_at(chain, m.period_end(last_year + 1, 1) + 100 * m.DAY)
    assert not conv.accrual_pending()
    feed.report(CODE, GROWTH, last_year + 1, 550, chain.blocks.head.timestamp, sender=reporter)
    assert conv.accrual_pending()
    cursor = conv.logCursor()
    report = _pass(keeper)
    assert report.actions == [f"tsdcm:{conv.address}:accrue:{cursor}:{nodes} (mined)"]
    assert conv.accruedNodes() == nodes + 1 and not conv.accrual_pending()
    assert _pass(keeper).actions == []
    assert _conversions(chain, conv) == 1
    assert reverted_receipts(chain, [keeper]) == []


def test_past_deadline__check_fails__nothing_ever_sent(
    chain, conversion, bond, reporter, params, make_job_keeper, stranger
):
    conv, feed = conversion
    keeper = make_job_keeper(stranger, _jobs(conv))
    mine_at(chain, min(params.plt_maturity, bond.maturityDate()))
    year = bond_math.from_timestamp(chain.blocks.head.timestamp).year - 1
    feed.report_pair(CODE, year, 5_000, 900, chain.blocks.head.timestamp, sender=reporter)
    mine_at(chain, chain.blocks.head.timestamp + params.delay)
    assert conv.check()[1] == m.PAST_DEADLINE
    height = chain.blocks.height
    report = _pass(keeper)
    assert report.actions == [] and report.skipped == []
    assert chain.blocks.height == height and not conv.converted()
