"""MacroFeed: sovereigns, versioned reports (revisions kept), validation, staleness views."""

import ape
import pytest

from tests.conftest import time_travel
from tests.contracts.tsdcm.conftest import CODE, DAY, DEBT, GROWTH
from tests.utils.tsdcm_model import period_end

MISSING_ROLE = "access_control: account is missing role"


def _now(chain) -> int:
    return chain.blocks.head.timestamp


# ------------------------------------------------------------------- sovereigns --
def test_add_sovereign__records_frequency_and_emits(feed, admin):
    tx = feed.add_sovereign(b"GRC", 4, sender=admin)
    assert feed.frequency(b"GRC") == 4
    assert feed.update_count(b"GRC") == 0
    event = tx.events[0]
    assert event.event_name == "SovereignAdded"
    assert (event.code, event.frequency, event.admin) == (b"GRC", 4, admin.address)


def test_add_sovereign__by_non_admin__reverts(feed, reporter):
    with ape.reverts(MISSING_ROLE):
        feed.add_sovereign(b"GRC", 1, sender=reporter)


def test_add_sovereign__bad_code_or_frequency__reverts(feed, admin):
    for code in (b"grc", b"GR1", b"G\x00C", b"\x00\x00\x00"):
        with ape.reverts("macro: code is not three capital letters"):
            feed.add_sovereign(code, 1, sender=admin)
    for frequency in (0, 2, 12):
        with ape.reverts("macro: frequency not 1 or 4"):
            feed.add_sovereign(b"GRC", frequency, sender=admin)
    assert feed.frequency(b"GRC") == 0


def test_add_sovereign__twice__reverts(feed, admin):
    with ape.reverts("macro: sovereign already registered"):
        feed.add_sovereign(CODE, 4, sender=admin)


# --------------------------------------------------------------------- reports --
def test_report__first_print(feed, reporter, last_year, chain):
    published = _now(chain) - 3 * DAY
    tx = feed.report(CODE, DEBT, last_year, 13_730, published, sender=reporter)
    recorded = chain.blocks[tx.block_number].timestamp
    assert tx.return_value == 1
    assert feed.latest(CODE, DEBT) == (last_year, 13_730, published, recorded, 1)
    assert feed.observation(CODE, DEBT, last_year) == (13_730, published, recorded, 1)
    assert feed.latest(CODE, GROWTH) == (0, 0, 0, 0, 0)
    assert feed.update_count(CODE) == 1
    assert feed.update_at(CODE, 0) == (DEBT, last_year, 13_730, published, recorded, 1)
    event = tx.events[0]
    assert event.event_name == "ObservationReported"
    assert (event.code, event.series, event.period, event.value) == (CODE, DEBT, last_year, 13_730)
    assert (event.published_at, event.index, event.reporter) == (published, 0, reporter.address)


def test_report__negative_growth(feed, reporter, last_year, chain):
    feed.report(CODE, GROWTH, last_year, -890, _now(chain), sender=reporter)
    assert feed.observation(CODE, GROWTH, last_year)[0] == -890


def test_report__revision_keeps_history_and_latest_wins(feed, reporter, last_year, chain):
    t0 = _now(chain) - 10 * DAY
    feed.report(CODE, DEBT, last_year, 13_730, t0, sender=reporter)
    tx = feed.report(CODE, DEBT, last_year, 13_510, t0 + DAY, sender=reporter)
    assert tx.return_value == 2
    event = tx.events[0]
    assert event.event_name == "ObservationRevised"
    assert (event.value, event.previous_value, event.version) == (13_510, 13_730, 2)
    assert feed.observation(CODE, DEBT, last_year)[0] == 13_510
    assert feed.latest(CODE, DEBT)[1] == 13_510
    assert feed.observation_version(CODE, DEBT, last_year, 1)[:2] == (13_730, t0)
    assert feed.observation_version(CODE, DEBT, last_year, 2)[:2] == (13_510, t0 + DAY)
    history = feed.versions(CODE, DEBT, last_year)
    assert [(o.value, o.version) for o in history] == [(13_510, 2), (13_730, 1)]
    with ape.reverts("macro: no such version"):
        feed.observation_version(CODE, DEBT, last_year, 3, skip_trace=True)


def test_report__revision_with_same_value__reverts(feed, reporter, last_year, chain):
    feed.report(CODE, DEBT, last_year, 13_730, _now(chain), sender=reporter)
    with ape.reverts("macro: value unchanged"):
        feed.report(CODE, DEBT, last_year, 13_730, _now(chain), sender=reporter)


def test_report__revision_published_before_revised_version__reverts(
    feed, reporter, last_year, chain
):
    t0 = _now(chain) - DAY
    feed.report(CODE, DEBT, last_year, 13_730, t0, sender=reporter)
    with ape.reverts("macro: published before the version it revises"):
        feed.report(CODE, DEBT, last_year, 13_700, t0 - 1, sender=reporter)
    feed.report(CODE, DEBT, last_year, 13_700, t0, sender=reporter)  # same time is fine


def test_report__at_most_max_versions_per_period(feed, reporter, last_year, chain):
    cap = feed.MAX_VERSIONS()
    assert cap == 32
    when = _now(chain)
    for v in range(cap):
        feed.report(CODE, GROWTH, last_year, 100 + v, when, sender=reporter)
    assert feed.observation(CODE, GROWTH, last_year)[3] == cap
    with ape.reverts("macro: too many revisions"):
        feed.report(CODE, GROWTH, last_year, 99, when, sender=reporter)
    assert feed.observation_version(CODE, GROWTH, last_year, 1)[0] == 100


def test_report__older_period_never_hides_the_newest(feed, reporter, last_year, chain):
    feed.report(CODE, DEBT, last_year, 13_000, _now(chain), sender=reporter)
    feed.report(CODE, DEBT, last_year - 1, 14_000, _now(chain), sender=reporter)  # backfill
    feed.report(CODE, DEBT, last_year - 1, 14_100, _now(chain), sender=reporter)  # revision
    assert feed.latest(CODE, DEBT)[:2] == (last_year, 13_000)
    assert feed.latest_period(CODE, DEBT) == last_year
    assert feed.update_count(CODE) == 3


def test_report_pair__logs_debt_then_growth(feed, reporter, last_year, chain):
    when = _now(chain)
    feed.report_pair(CODE, last_year, 7_900, 310, when, sender=reporter)
    assert feed.update_at(CODE, 0)[:3] == (DEBT, last_year, 7_900)
    assert feed.update_at(CODE, 1)[:3] == (GROWTH, last_year, 310)
    with ape.reverts("macro: no such update"):
        feed.update_at(CODE, 2)


# ------------------------------------------------------------------ validation --
def test_report__by_non_reporter__reverts(feed, attacker, last_year, chain):
    with ape.reverts(MISSING_ROLE):
        feed.report(CODE, DEBT, last_year, 13_000, _now(chain), sender=attacker)
    with ape.reverts(MISSING_ROLE):
        feed.report_pair(CODE, last_year, 13_000, 100, _now(chain), sender=attacker)


def test_report__unknown_sovereign_or_series__reverts(feed, reporter, last_year, chain):
    with ape.reverts("macro: unknown sovereign"):
        feed.report(b"FRA", DEBT, last_year, 11_000, _now(chain), sender=reporter)
    for series in (0, 3):
        with ape.reverts("macro: unknown series"):
            feed.report(CODE, series, last_year, 11_000, _now(chain), sender=reporter)


def test_report__invalid_annual_period__reverts(feed, reporter, chain):
    for period in (1969, 10_000, 202_503, 0):
        with ape.reverts("macro: invalid period"):
            feed.report(CODE, DEBT, period, 11_000, _now(chain), sender=reporter)


def test_report__period_not_over_or_future_publication__reverts(feed, reporter, last_year, chain):
    now = _now(chain)
    with ape.reverts("macro: published before the period ended"):
        feed.report(CODE, DEBT, last_year + 1, 11_000, now, sender=reporter)
    with ape.reverts("macro: published before the period ended"):
        feed.report(CODE, DEBT, last_year, 11_000, period_end(last_year, 1) - 1, sender=reporter)
    feed.report(CODE, DEBT, last_year, 11_000, period_end(last_year, 1), sender=reporter)
    with ape.reverts("macro: publication in the future"):
        feed.report(CODE, GROWTH, last_year, 100, now + 3_600, sender=reporter)


def test_report__value_ranges__edges_accepted(feed, reporter, last_year, chain):
    for series, value in ((DEBT, 0), (DEBT, 100_000), (GROWTH, -10_000), (GROWTH, 100_000)):
        feed.report(CODE, series, last_year, value, _now(chain), sender=reporter)
        assert feed.observation(CODE, series, last_year)[0] == value


def test_report__value_ranges__just_outside_reverts(feed, reporter, last_year, chain):
    for value in (-1, 100_001):
        with ape.reverts("macro: debt ratio out of range"):
            feed.report(CODE, DEBT, last_year, value, _now(chain), sender=reporter)
    for value in (-10_001, 100_001):
        with ape.reverts("macro: growth out of range"):
            feed.report(CODE, GROWTH, last_year, value, _now(chain), sender=reporter)
    assert feed.update_count(CODE) == 0


# -------------------------------------------------------------------- quarters --
def test_period_end__matches_the_calendar(feed, admin):
    """First second after the period, against Python's calendar (leap years included)."""
    feed.add_sovereign(b"GRC", 4, sender=admin)
    for period in (202_401, 202_402, 202_403, 202_404, 197_001, 209_904, 999_904):
        assert feed.period_end(b"GRC", period) == period_end(period, 4)
    for period in (1970, 2000, 2023, 2024, 2100, 9999):
        assert feed.period_end(CODE, period) == period_end(period, 1)
    with ape.reverts("macro: invalid period"):
        feed.period_end(CODE, 202_401, skip_trace=True)


def test_quarterly__reports_and_latest(feed, admin, reporter, last_year, chain):
    feed.add_sovereign(b"GRC", 4, sender=admin)
    when = _now(chain)
    feed.report(b"GRC", GROWTH, last_year * 100 + 4, 210, when, sender=reporter)
    feed.report(b"GRC", GROWTH, last_year * 100 + 3, 190, when, sender=reporter)
    assert feed.latest(b"GRC", GROWTH)[:2] == (last_year * 100 + 4, 210)
    for bad in (last_year * 100 + 5, last_year * 100, last_year):
        with ape.reverts("macro: invalid period"):
            feed.report(b"GRC", GROWTH, bad, 100, when, sender=reporter)


# ------------------------------------------------------------------- staleness --
def test_age_and_is_fresh(feed, reporter, last_year, chain):
    assert feed.age(CODE, DEBT) == 2**256 - 1
    assert not feed.is_fresh(CODE, DEBT, 10**9)
    published = _now(chain) - 5 * DAY
    feed.report(CODE, DEBT, last_year, 13_000, published, sender=reporter)
    now = _now(chain)
    assert feed.age(CODE, DEBT) == now - published
    assert feed.is_fresh(CODE, DEBT, now - published)
    assert not feed.is_fresh(CODE, DEBT, now - published - 1)
    time_travel(chain, now + 30 * DAY)
    assert feed.age(CODE, DEBT) == _now(chain) - published


def test_observation_before__cutoff_on_recording_time(feed, reporter, last_year, chain):
    t1 = feed.report(CODE, GROWTH, last_year, 100, _now(chain), sender=reporter)
    r1 = chain.blocks[t1.block_number].timestamp
    time_travel(chain, r1 + DAY)
    t2 = feed.report(CODE, GROWTH, last_year, 150, _now(chain), sender=reporter)
    r2 = chain.blocks[t2.block_number].timestamp
    assert feed.observation_before(CODE, GROWTH, last_year, r1)[3] == 0  # strictly before
    assert feed.observation_before(CODE, GROWTH, last_year, r1 + 1)[::3] == (100, 1)
    assert feed.observation_before(CODE, GROWTH, last_year, r2)[::3] == (100, 1)
    assert feed.observation_before(CODE, GROWTH, last_year, r2 + 1)[::3] == (150, 2)


# ------------------------------------------------------------- AggregatorV3 --
@pytest.fixture
def debt_aggregator(project, admin, feed):
    return admin.deploy(project.MacroFeedAggregator, feed, CODE, DEBT, "ITA debt, % of GDP")


def test_aggregator__latest_round_is_newest_period(
    debt_aggregator, feed, reporter, last_year, chain
):
    assert debt_aggregator.decimals() == 2
    assert debt_aggregator.description() == "ITA debt, % of GDP"
    assert debt_aggregator.version() == 1
    with ape.reverts("macro: no data"):
        debt_aggregator.latestRoundData(skip_trace=True)
    t = _now(chain) - DAY
    feed.report_pair(CODE, last_year, 13_730, -50, t, sender=reporter)  # rounds 1 (debt), 2
    feed.report(CODE, DEBT, last_year - 1, 14_000, t, sender=reporter)  # round 3, older period
    assert debt_aggregator.latestRoundData() == (1, 13_730, t, t, 1)
    assert debt_aggregator.getRoundData(3) == (3, 14_000, t, t, 3)
    with ape.reverts("macro: round of another series"):
        debt_aggregator.getRoundData(2, skip_trace=True)
    with ape.reverts("macro: no such update"):
        debt_aggregator.getRoundData(4, skip_trace=True)
    feed.report(CODE, DEBT, last_year, 13_600, t, sender=reporter)  # round 4 revises the latest
    assert debt_aggregator.latestRoundData() == (4, 13_600, t, t, 4)


def test_aggregator__unknown_sovereign_or_series__reverts(project, feed, fresh_account):
    with ape.reverts("macro: unknown sovereign"):
        fresh_account.deploy(project.MacroFeedAggregator, feed, b"FRA", DEBT, "x")
    with ape.reverts("macro: unknown series"):
        fresh_account.deploy(project.MacroFeedAggregator, feed, CODE, 3, "x")
