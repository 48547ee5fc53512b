"""The conversion rule, condition by condition: `check()`, `checkUpkeep` and `convert()`.

Views run at the head block's timestamp; `time_travel(chain, t)` mines a block at t, so a
view right after it sees exactly t. A transaction is mined at `chain.pending_timestamp`
when that is set explicitly (`_next_block_at`), which pins the exact boundaries.
"""

from dataclasses import replace

import ape
import pytest
from eth_abi import encode

from tests.conftest import YEAR, time_travel
from tests.contracts.tsdcm.conftest import CODE, DAY, DEBT, GROWTH
from tests.utils import tsdcm_model as m


def _recorded(chain, receipt) -> int:
    return chain.blocks[receipt.block_number].timestamp


def _next_block_at(chain, timestamp: int) -> None:
    chain.pending_timestamp = timestamp


def expect(conv, code: int, caller) -> None:
    """check() (now) and convert() (next block) both say `code`."""
    assert conv.check() == (code == m.OK, code, m.REASONS[code])
    if code == m.OK:
        conv.convert(sender=caller)
        assert conv.converted()
    else:
        before = conv.conversionTime()
        with ape.reverts(m.REASONS[code]):
            conv.convert(sender=caller)
        assert conv.conversionTime() == before


def _report_and_wait(report, chain, period, debt, growth, wait):
    receipt = report(period, debt, growth)
    time_travel(chain, _recorded(chain, receipt) + wait)
    return receipt


# ----------------------------------------------------------------- thresholds --
@pytest.mark.parametrize(
    "debt,code",
    [(7_999, m.OK), (8_000, m.OK), (8_001, m.DEBT_ABOVE_THRESHOLD)],
    ids=["below", "at", "just-above"],
)
def test_debt_threshold__D_at_or_below_D_star_holds(
    conversion, holders, report, chain, last_year, params, attacker, debt, code
):
    _report_and_wait(report, chain, last_year, debt, 400, params.delay)
    expect(conversion, code, attacker)


@pytest.mark.parametrize(
    "growth,code",
    [(301, m.OK), (300, m.OK), (299, m.GROWTH_BELOW_THRESHOLD), (-500, m.GROWTH_BELOW_THRESHOLD)],
    ids=["above", "at", "just-below", "negative"],
)
def test_growth_threshold__g_at_or_above_g_star_holds(
    conversion, holders, report, chain, last_year, params, attacker, growth, code
):
    _report_and_wait(report, chain, last_year, 7_000, growth, params.delay)
    expect(conversion, code, attacker)


# ----------------------------------------------------------------------- data --
def test_no_data(conversion, holders, feed, reporter, chain, last_year, params, attacker):
    expect(conversion, m.NO_DEBT_DATA, attacker)
    feed.report(CODE, DEBT, last_year, 7_000, chain.blocks.head.timestamp, sender=reporter)
    time_travel(chain, chain.blocks.head.timestamp + params.delay)
    expect(conversion, m.NO_GROWTH_DATA, attacker)


def test_periods_differ(
    conversion, holders, feed, reporter, report, chain, last_year, params, attacker
):
    report(last_year - 1, 7_000, 400)
    feed.report(CODE, DEBT, last_year, 7_000, chain.blocks.head.timestamp, sender=reporter)
    time_travel(chain, chain.blocks.head.timestamp + params.delay)
    expect(conversion, m.PERIOD_MISMATCH, attacker)
    feed.report(CODE, GROWTH, last_year, 400, chain.blocks.head.timestamp, sender=reporter)
    time_travel(chain, chain.blocks.head.timestamp + params.delay)
    expect(conversion, m.OK, attacker)


@pytest.mark.parametrize("stale", [DEBT, GROWTH])
def test_stale_data__age_above_max_age(
    conversion, holders, feed, reporter, chain, last_year, params, attacker, stale
):
    now = chain.blocks.head.timestamp
    old, new = now - 10 * DAY, now
    feed.report(CODE, DEBT, last_year, 7_000, old if stale == DEBT else new, sender=reporter)
    feed.report(CODE, GROWTH, last_year, 400, old if stale == GROWTH else new, sender=reporter)
    # Exactly max_age old is still fresh (view at t, then a transaction at t).
    time_travel(chain, old + params.max_age - 1)
    assert conversion.check()[0]
    _next_block_at(chain, old + params.max_age)
    snapshot = chain.snapshot()
    conversion.convert(sender=attacker)
    chain.restore(snapshot)
    # One second later it is stale.
    time_travel(chain, old + params.max_age + 1)
    expect(conversion, m.STALE_DEBT if stale == DEBT else m.STALE_GROWTH, attacker)


def test_stale_data__fresh_revision_of_the_same_period_refreshes(
    conversion, holders, report, chain, last_year, params, attacker
):
    r = report(last_year, 7_000, 400)
    time_travel(chain, _recorded(chain, r) + params.max_age + 1)
    expect(conversion, m.STALE_DEBT, attacker)
    _report_and_wait(report, chain, last_year, 7_010, 410, params.delay)
    expect(conversion, m.OK, attacker)


# ---------------------------------------------------------- one bad print --
def test_delay__convert_exactly_delay_after_the_last_print(
    conversion, holders, report, chain, last_year, params, attacker
):
    recorded = _recorded(chain, report(last_year, 7_000, 400))
    time_travel(chain, recorded + params.delay - 2)
    assert conversion.check() == (False, m.IN_DELAY, m.REASONS[m.IN_DELAY])
    _next_block_at(chain, recorded + params.delay - 1)
    with ape.reverts("tsdcm: confirmation delay not over"):
        conversion.convert(sender=attacker)
    _next_block_at(chain, recorded + params.delay)
    receipt = conversion.convert(sender=attacker)
    assert conversion.conversionTime() == recorded + params.delay == _recorded(chain, receipt)


def test_delay__bad_print_corrected_inside_window_never_converts(
    conversion, holders, feed, reporter, report, chain, last_year, params, attacker
):
    _report_and_wait(report, chain, last_year, 9_000, 400, params.delay)
    expect(conversion, m.DEBT_ABOVE_THRESHOLD, attacker)
    now = chain.blocks.head.timestamp
    bad = _recorded(chain, feed.report(CODE, DEBT, last_year, 7_000, now, sender=reporter))
    time_travel(chain, bad + params.delay // 2)
    expect(conversion, m.IN_DELAY, attacker)
    # corrected by the oracle maintainers inside the window
    feed.report(CODE, DEBT, last_year, 9_010, bad, sender=reporter)
    time_travel(chain, bad + params.delay + DAY)
    expect(conversion, m.DEBT_ABOVE_THRESHOLD, attacker)


def test_delay__any_new_version_restarts_the_window(
    conversion, holders, report, chain, last_year, params, attacker
):
    first = _recorded(chain, report(last_year, 7_000, 400))
    time_travel(chain, first + params.delay - DAY)
    second = _recorded(chain, report(last_year, 7_100, 420))
    time_travel(chain, first + params.delay + 1)
    expect(conversion, m.IN_DELAY, attacker)
    time_travel(chain, second + params.delay)
    expect(conversion, m.OK, attacker)


@pytest.fixture
def confirmed(deploy_conversion, params):
    """A conversion that needs two consecutive confirming periods."""
    return deploy_conversion(replace(params, confirmations=2))


@pytest.mark.parametrize(
    "previous,code",
    [
        (None, m.NOT_CONFIRMED),
        ((8_001, 400), m.NOT_CONFIRMED),
        ((7_000, 299), m.NOT_CONFIRMED),
        ((8_000, 300), m.OK),
    ],
    ids=["missing", "debt-above", "growth-below", "both-hold"],
)
def test_confirmations__previous_period_must_hold_too(
    confirmed, holders, report, chain, last_year, params, attacker, previous, code
):
    if previous is not None:
        report(last_year - 1, *previous)
    _report_and_wait(report, chain, last_year, 7_500, 400, params.delay)
    expect(confirmed, code, attacker)


def test_confirmations__revision_of_previous_period_restarts_delay(
    confirmed, holders, report, chain, last_year, params, attacker
):
    report(last_year - 1, 7_900, 350)
    latest = _recorded(chain, report(last_year, 7_500, 400))
    time_travel(chain, latest + params.delay - DAY)
    revised = _recorded(chain, report(last_year - 1, 7_800, 360))
    time_travel(chain, latest + params.delay + 1)
    expect(confirmed, m.IN_DELAY, attacker)
    time_travel(chain, revised + params.delay)
    expect(confirmed, m.OK, attacker)


# ----------------------------------------------------------- once, bond state --
def test_double_convert__reverts(ready, attacker, alice, bond):
    ready.convert(sender=alice)
    balance = bond.balanceOf(alice)
    expect(ready, m.ALREADY_CONVERTED, attacker)
    assert bond.balanceOf(alice) == balance  # nothing retired twice


def test_zero_supply__waits_for_outstanding_tokens(
    conversion, report, chain, last_year, params, attacker, bond, minter, alice
):
    _report_and_wait(report, chain, last_year, 7_000, 400, params.delay)
    expect(conversion, m.NO_SUPPLY, attacker)
    bond.mint(alice, 10**18, sender=minter)
    expect(conversion, m.OK, attacker)
    assert conversion.totalRetired() == 10**18 // 4


def test_not_converter__until_the_bond_admin_grants_the_role(
    deploy_conversion, params, holders, report, chain, last_year, attacker, bond, admin
):
    conv = deploy_conversion(params, grant=False)
    _report_and_wait(report, chain, last_year, 7_000, 400, params.delay)
    expect(conv, m.NOT_CONVERTER, attacker)
    bond.grantRole(bond.CONVERTER_ROLE(), conv, sender=admin)
    expect(conv, m.OK, attacker)


def test_deadline__PLT_maturity(
    deploy_conversion, params, holders, report, chain, last_year, attacker, chain_start
):
    conv = deploy_conversion(replace(params, plt_maturity=chain_start + YEAR))
    recorded = _recorded(chain, report(last_year, 7_000, 400))
    time_travel(chain, chain_start + YEAR - 1)
    assert conv.check()[0]
    assert recorded + params.max_age > chain_start + YEAR  # data still fresh at T
    time_travel(chain, chain_start + YEAR)
    expect(conv, m.PAST_DEADLINE, attacker)


def test_deadline__bond_maturity(conversion, holders, report, chain, last_year, attacker, bond):
    maturity = bond.maturityDate()
    time_travel(chain, maturity - 30 * DAY)
    _report_and_wait(report, chain, last_year + 4, 7_000, 400, 8 * DAY)
    assert conversion.check()[0]
    time_travel(chain, maturity)
    expect(conversion, m.PAST_DEADLINE, attacker)


# ------------------------------------------------------------- automation --
def test_upkeep__convert_then_accrue(ready, alice, attacker):
    needed, data = ready.checkUpkeep(b"")
    assert needed and data == encode(["uint256"], [1])
    ready.performUpkeep(data, sender=attacker)
    assert ready.converted()
    needed, data = ready.checkUpkeep(b"anything")
    assert needed and data == encode(["uint256"], [2])  # node 0 is ready to accrue
    ready.performUpkeep(data, sender=attacker)
    assert ready.accruedNodes() == 1
    assert ready.checkUpkeep(b"") == (False, b"")  # next year's data not out yet


def test_upkeep__not_needed_and_perform_rechecks(
    conversion, holders, report, chain, last_year, attacker
):
    report(last_year, 7_000, 400)  # delay not over
    assert conversion.checkUpkeep(b"") == (False, b"")
    with ape.reverts("tsdcm: confirmation delay not over"):
        conversion.performUpkeep(encode(["uint256"], [1]), sender=attacker)
    with ape.reverts("tsdcm: not converted"):
        conversion.performUpkeep(encode(["uint256"], [2]), sender=attacker)
    with ape.reverts("tsdcm: unknown upkeep action"):
        conversion.performUpkeep(encode(["uint256"], [3]), sender=attacker)
