"""Growth integral (accrue), payout finalisation at T, funding and PLT redemption.

With the conftest parameters the conversion happens a week into the session, so the
integral has n = 6 annual nodes: the periods last_year .. last_year + 5. Node 0 is the
conversion period (growth 4 %, i.e. 100 bps above g* = 3 %).
"""

import ape
import pytest

from tests.conftest import TOKEN, USDC, time_travel
from tests.contracts.tsdcm.conftest import CODE, DAY, DEBT, GROWTH
from tests.utils import tsdcm_model as m

EXCESS_100_BPS = 100 * 10**14  # one year at 1 % above g*, WAD fraction-years


def _ts(chain, receipt) -> int:
    return chain.blocks[receipt.block_number].timestamp


def _grow(feed, reporter, chain, period: int, growth: int, days_after_period: int = 100):
    """Report `period`'s growth `days_after_period` days after it ended (or now, if later)."""
    target = m.period_end(period, 1) + days_after_period * DAY
    if target > chain.blocks.head.timestamp:
        time_travel(chain, target)
    return feed.report(CODE, GROWTH, period, growth, chain.blocks.head.timestamp, sender=reporter)


def _feed_model(feed) -> m.FeedModel:
    """The sovereign's on-chain update log, as the reference model's feed."""
    model = m.FeedModel(frequency=1)
    for i in range(feed.update_count(CODE)):
        series, period, value, published, recorded, version = feed.update_at(CODE, i)
        model.log.append(m.Entry(series, period, value, published, recorded, version))
    return model


@pytest.fixture
def converted(ready, alice):
    ready.convert(sender=alice)
    return ready


@pytest.fixture
def final(converted, params, chain, alice):
    """At T with no data after the conversion: every node holds node 0's 4 % growth."""
    time_travel(chain, params.plt_maturity)
    converted.accrue(sender=alice)
    return converted


@pytest.fixture
def sovereign_funds(usdc, admin, treasury, conversion):
    usdc.mint(treasury, 10**9 * USDC, sender=admin)
    usdc.approve(conversion, 2**256 - 1, sender=treasury)
    return treasury


# --------------------------------------------------------------------- accrue --
def test_accrue__before_conversion__reverts(ready, alice):
    with ape.reverts("tsdcm: not converted"):
        ready.accrue(sender=alice)
    assert not ready.accrual_pending()


def test_accrue__one_node_per_published_period_and_revisions(
    converted, feed, reporter, chain, last_year, attacker
):
    c = converted
    assert c.accrual_pending()
    c.accrue(sender=attacker)
    assert (c.accruedNodes(), c.growthIntegral()) == (1, EXCESS_100_BPS)
    assert c.node(0) == (last_year, 400, 1)
    assert not c.accrual_pending()  # next year's statistic is not out yet
    c.accrue(sender=attacker)
    assert c.accruedNodes() == 1

    _grow(feed, reporter, chain, last_year + 1, 550)
    assert c.accrual_pending()
    receipt = c.accrue(sender=attacker)
    assert c.accruedNodes() == 2
    assert c.growthIntegral() == EXCESS_100_BPS + 25 * EXCESS_100_BPS // 10
    event = [e for e in receipt.events if e.event_name == "GrowthAccrued"][0]
    assert (event.node, event.period, event.growth_bps, event.version) == (1, last_year + 1, 550, 1)

    # A revision of an accrued node replaces its term (here to below g*: zero).
    feed.report(CODE, GROWTH, last_year + 1, 250, chain.blocks.head.timestamp, sender=reporter)
    c.accrue(sender=attacker)
    assert c.growthIntegral() == EXCESS_100_BPS
    assert c.node(1) == (last_year + 1, 250, 2)
    # Debt reports and other sovereigns' data do not touch the integral.
    feed.report(CODE, DEBT, last_year + 1, 9_000, chain.blocks.head.timestamp, sender=reporter)
    c.accrue(sender=attacker)
    assert c.growthIntegral() == EXCESS_100_BPS
    with ape.reverts("tsdcm: node not accrued"):
        c.node(2, skip_trace=True)


def test_accrue__result_does_not_depend_on_who_calls_when(
    converted, feed, reporter, chain, last_year, params, attacker
):
    """The same feed history, folded in after every report or once after T, gives the
    same integral, equal to the reference model's; one node is missing at T (held from
    the previous one) and a revision recorded after T is ignored."""
    c = converted
    start = chain.snapshot()
    script = [
        (last_year + 1, 520, 100),
        (last_year + 1, 480, 200),  # revision
        (last_year + 2, 150, 100),  # below g*
        (last_year + 3, 700, 100),
        (last_year, 380, 500),  # revision of node 0 (the conversion period)
        # last_year + 4: never published -> holds last_year + 3's 7 %
        (last_year + 5, 410, 100),
    ]
    late_revision = (last_year + 5, 990)

    def run(accrue_each_time: bool) -> tuple[int, int, int]:
        for period, growth, days in script:
            _grow(feed, reporter, chain, period, growth, days)
            if accrue_each_time:
                c.accrue(sender=attacker)
        time_travel(chain, params.plt_maturity)
        feed.report(
            CODE,
            GROWTH,
            late_revision[0],
            late_revision[1],
            chain.blocks.head.timestamp,
            sender=reporter,
        )
        c.accrue(sender=attacker)
        assert c.payoutFinal()
        return c.growthIntegral(), c.payoutRate(), c.payoutDue()

    eager = run(True)
    model = _feed_model(feed)
    chain.restore(start)
    lazy = run(False)
    assert eager == lazy
    n = c.nodeCount()
    assert n == 6
    nodes = m.growth_nodes(model, params, last_year, n, params.plt_maturity)
    assert nodes == [380, 480, 150, 700, 700, 410]
    integral = m.growth_integral(model, params, last_year, n, params.plt_maturity)
    assert integral == (80 + 180 + 0 + 400 + 400 + 110) * 10**14
    rate = m.payout_rate(params, c.debtAfterConversion(), integral)
    assert lazy == (integral, rate, m.payout_due(c.totalRetired(), rate, c.denomination()))
    assert [c.node(i)[1] for i in range(n)] == nodes
    assert c.node(4)[2] == 0  # held, no version


def test_accrue__finalises_only_from_T(converted, params, chain, alice, sovereign_funds):
    c = converted
    # A minute before T: Anvil adds wall-clock seconds to later blocks, so T - 1 could
    # already be T by the time the next transaction is mined on a loaded machine.
    time_travel(chain, params.plt_maturity - 60)
    c.accrue(sender=alice)
    assert not c.payoutFinal()
    with ape.reverts("tsdcm: payout not final"):
        c.fund_payout(1, sender=sovereign_funds)
    assert c.checkUpkeep(b"")[0] is False
    time_travel(chain, params.plt_maturity)
    assert c.checkUpkeep(b"")[0] is True
    receipt = c.accrue(sender=alice)
    assert receipt.return_value is True
    event = [e for e in receipt.events if e.event_name == "PayoutFinalised"][0]
    assert c.growthIntegral() == 6 * EXCESS_100_BPS
    # Pi = beta max(D_tau - D*, 0) + gamma I = 0 + 0.3 * 0.06 = 1.8 % of face
    assert c.payoutRate() == 18 * 10**15 == event.payout_rate
    # 250 retired tokens x 1,000 USDC face x 1.8 % = 4,500 USDC
    assert c.payoutDue() == 4_500 * USDC == event.due
    assert c.checkUpkeep(b"") == (False, b"")
    assert c.accrue(sender=alice).return_value is True  # idempotent


# --------------------------------------------------------------------- payout --
def test_payout__full_funding__each_PLT_pays_rate_times_face(
    final, sovereign_funds, usdc, alice, bob
):
    c = final
    receipt = c.fund_payout(4_500 * USDC, sender=sovereign_funds)
    event = [e for e in receipt.events if e.event_name == "PayoutFunded"][0]
    assert (event.sovereign, event.amount, event.funded, event.due) == (
        sovereign_funds.address,
        4_500 * USDC,
        4_500 * USDC,
        4_500 * USDC,
    )
    c.claim(alice, sender=alice)
    c.claim(bob, sender=bob)
    before = usdc.balanceOf(alice)
    assert c.redeemable(alice, 150 * TOKEN) == 2_700 * USDC
    receipt = c.redeem(150 * TOKEN, sender=alice)
    assert receipt.return_value == 2_700 * USDC  # 150 x 1,000 x 1.8 %
    assert usdc.balanceOf(alice) - before == 2_700 * USDC
    assert c.balanceOf(alice) == 0
    assert c.redemption_of(alice) == (150 * TOKEN, 2_700 * USDC)
    assert c.redeem(100 * TOKEN, sender=bob).return_value == 1_800 * USDC
    assert usdc.balanceOf(c) == 0 == c.payoutFunded() - c.payoutPaid()
    with ape.reverts("tsdcm: nothing to redeem"):
        c.redeem(0, sender=alice)


def test_payout__partial_funding_pro_rata_then_top_up(final, sovereign_funds, usdc, alice, bob):
    c = final
    c.fund_payout(1_800 * USDC, sender=sovereign_funds)  # 40 % of 4,500
    c.claim(alice, sender=alice)
    c.claim(bob, sender=bob)
    # pro rata: 150 / 250 of the funded 1,800
    assert c.redeem(150 * TOKEN, sender=alice).return_value == 1_080 * USDC
    with ape.reverts("tsdcm: nothing to redeem"):
        c.redeem(0, sender=alice)
    c.fund_payout(2_700 * USDC, sender=sovereign_funds)  # top-up to 100 %
    assert c.redeemable(alice, 0) == 1_620 * USDC
    assert c.redeem(0, sender=alice).return_value == 1_620 * USDC  # no more PLT needed
    assert c.redemption_of(alice) == (150 * TOKEN, 2_700 * USDC)
    assert c.redeem(100 * TOKEN, sender=bob).return_value == 1_800 * USDC
    assert usdc.balanceOf(c) == c.payoutFunded() - c.payoutPaid() == 0


def test_payout__guards(final, sovereign_funds, alice, attacker, fresh_account):
    c = final
    c.claim(alice, sender=alice)
    with ape.reverts("tsdcm: payout not funded"):
        c.redeem(TOKEN, sender=alice)
    with ape.reverts("access_control: account is missing role"):
        c.fund_payout(USDC, sender=attacker)
    with ape.reverts("tsdcm: zero amount"):
        c.fund_payout(0, sender=sovereign_funds)
    with ape.reverts("tsdcm: funding exceeds payout due"):
        c.fund_payout(4_500 * USDC + 1, sender=sovereign_funds)
    c.fund_payout(4_500 * USDC, sender=sovereign_funds)
    outsider = fresh_account  # never KYC-registered
    c.transfer(outsider, TOKEN, sender=alice)
    with ape.reverts("tsdcm: holder not verified"):
        c.redeem(TOKEN, sender=outsider)  # PLT holders must be verified to redeem
    with ape.reverts("erc20: burn amount exceeds balance"):
        c.redeem(150 * TOKEN, sender=alice)
    assert c.balanceOf(alice) == 149 * TOKEN


def test_payout__not_final_before_T(converted, alice):
    converted.claim(alice, sender=alice)
    with ape.reverts("tsdcm: payout not final"):
        converted.redeem(TOKEN, sender=alice)
    assert converted.redeemable(alice, TOKEN) == 0


def test_payout__growth_never_above_g_star__pays_nothing(
    converted, feed, reporter, chain, params, last_year, alice, sovereign_funds
):
    c = converted
    feed.report(CODE, GROWTH, last_year, 200, chain.blocks.head.timestamp, sender=reporter)
    time_travel(chain, params.plt_maturity)
    c.accrue(sender=alice)
    # D_tau = 56.25 % < D*: the beta leg is zero whenever the rule held (D_tau- <= D*).
    assert (c.growthIntegral(), c.payoutRate(), c.payoutDue()) == (0, 0, 0)
    with ape.reverts("tsdcm: funding exceeds payout due"):
        c.fund_payout(1, sender=sovereign_funds)
