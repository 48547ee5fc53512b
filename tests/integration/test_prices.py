"""The prices job against real PriceFeeds on Anvil, fed by the real oracle pipeline from a
custodian quote API on 127.0.0.1: pushed on deviation and on heartbeat only, batched,
never twice, and never with rejected data."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from eth_utils import keccak

from keeper.exceptions import UnsafeStateError
from tests.integration.feeds import (
    FEED_MAX_DEVIATION_BPS,
    PRICE_FEED,
    Custodian,
    custodian_source,
    head_time,
    mine_at,
    write_oracle_config,
)
from tests.oracle.conftest import ISIN
from tests.utils.ape_speed import fast_reverts

ANSWER_UPDATED = "0x" + keccak(text="AnswerUpdated(int256,uint256,uint256)").hex()
HEARTBEAT_S = 600
DEVIATION_BPS = 50
SECOND_ISIN = "XS0000000017"  # a valid ISIN (check digit 7)


@pytest.fixture(scope="module", autouse=True)
def _fast_reverts():
    with fast_reverts():
        yield


@pytest.fixture
def reporter(paying_agent):
    """The keeper's signer (ape test account 3, as in the keeper config)."""
    return paying_agent


@pytest.fixture
def second_reporter(accounts):
    account = accounts.generate_test_account()
    account.balance = 10**21
    return account


@pytest.fixture
def make_feed(project, admin, bond, reporter, second_reporter):
    def _make(description: str = "BL31 clean price / % of par", roles: bool = True) -> Any:
        feed = admin.deploy(project.PriceFeed, bond, description, FEED_MAX_DEVIATION_BPS, admin)
        if roles:
            for account in (reporter, second_reporter):
                feed.grantRole(feed.REPORTER_ROLE(), account, sender=admin)
        return feed

    return _make


@pytest.fixture
def custodian(httpserver, custodian_token) -> Custodian:
    return Custodian(httpserver)


@pytest.fixture
def oracle_yaml(tmp_path, httpserver):
    base = httpserver.url_for("").rstrip("/")
    return write_oracle_config(
        tmp_path / "oracle.yaml",
        {"custodian": custodian_source(base)},
        [
            {"name": PRICE_FEED, "kind": "price", "isin": ISIN, "sources": ["custodian"]},
            {"name": "second-price", "kind": "price", "isin": SECOND_ISIN,
             "sources": ["custodian"]},
        ],
    )  # fmt: skip


def prices_job(*feeds: Any, batcher: Any = None, names=("BL31", "BL32")) -> dict[str, Any]:
    oracle_feeds = (PRICE_FEED, "second-price")
    job: dict[str, Any] = {
        "interval_s": 1,
        "feeds": [
            {"name": names[i], "feed": oracle_feeds[i], "address": feed.address,
             "heartbeat_s": HEARTBEAT_S, "deviation_bps": DEVIATION_BPS}
            for i, feed in enumerate(feeds)
        ],
    }  # fmt: skip
    if batcher is not None:
        job["batcher"] = batcher.address
    return {"prices": job}


def round_of(feed) -> tuple[int, int, int]:
    round_id, answer, _, updated_at, _ = feed.latestRoundData()
    return int(round_id), int(answer), int(updated_at)


def test_pushed_on_first_round_deviation_and_heartbeat_only(
    chain, make_feed, custodian, oracle_yaml, feed_keeper, reporter
):
    feed = make_feed()
    keeper = feed_keeper(reporter, oracle_yaml, prices_job(feed))
    t0 = head_time(chain)
    custodian.quote("98.745", t0 - 10)
    (report,) = keeper.run_once()
    assert report.actions == [f"price:{feed.address}:{t0 - 10} (mined)"]
    assert round_of(feed) == (1, 9_874_500_000, t0 - 10)

    # A move of 5.6 bps (< 50) with a newer quote, before the heartbeat: nothing sent.
    t1 = mine_at(chain, t0 + 60)
    custodian.quote("98.80", t1 - 1)
    (report,) = keeper.run_once()
    assert report.actions == [] and report.skipped == []
    assert round_of(feed) == (1, 9_874_500_000, t0 - 10)
    assert keeper.metrics.value("keeper_price_age_seconds", {"feed": "BL31"}) == t1 - (t0 - 10)

    # Chain time reaches updatedAt + heartbeat: the same small move is pushed now.
    t2 = mine_at(chain, t0 - 10 + HEARTBEAT_S)
    custodian.quote("98.80", t2 - 2)
    (report,) = keeper.run_once()
    assert report.actions == [f"price:{feed.address}:{t2 - 2} (mined)"]
    assert round_of(feed) == (2, 9_880_000_000, t2 - 2)

    # A big move (0.71 %, > 50 bps) long before the next heartbeat: pushed at once.
    t3 = mine_at(chain, t2 + 30)
    custodian.quote("99.50", t3 - 1)
    (report,) = keeper.run_once()
    assert report.actions == [f"price:{feed.address}:{t3 - 1} (mined)"]
    assert round_of(feed) == (3, 9_950_000_000, t3 - 1)

    # Nothing new: a second pass sends nothing.
    assert keeper.run_once()[0].actions == []
    assert keeper.metrics.value("keeper_feed_no_value", {"feed": "BL31"}) == 0
    assert not keeper.last_error


def test_due_but_quote_not_newer_than_chain__not_pushed(
    chain, make_feed, custodian, oracle_yaml, feed_keeper, reporter
):
    feed = make_feed()
    keeper = feed_keeper(reporter, oracle_yaml, prices_job(feed))
    t0 = head_time(chain)
    custodian.quote("98.745", t0 - 10)
    keeper.run_once()
    # Heartbeat due, but the custodian still serves the quote already on chain.
    mine_at(chain, t0 + HEARTBEAT_S + 5)
    (report,) = keeper.run_once()
    assert report.actions == []
    assert report.skipped and "quote_not_newer" in report.skipped[0]
    assert round_of(feed)[0] == 1


def test_batcher__due_feeds_in_one_transaction_single_feed_alone(
    chain,
    project,
    admin,
    make_feed,
    httpserver,
    custodian_token,
    oracle_yaml,
    feed_keeper,
    reporter,
):
    first, second = make_feed(), make_feed("BL32 clean price / % of par")
    batcher = admin.deploy(project.PriceFeedBatcher)
    for feed in (first, second):
        feed.grantRole(feed.FORWARDER_ROLE(), batcher, sender=admin)
    quotes = [Custodian(httpserver), Custodian(httpserver, SECOND_ISIN)]
    keeper = feed_keeper(reporter, oracle_yaml, prices_job(first, second, batcher=batcher))
    t0 = head_time(chain)
    quotes[0].quote("98.745", t0 - 5)
    quotes[1].quote("101.20", t0 - 4)
    (report,) = keeper.run_once()
    assert len(report.actions) == 1 and report.actions[0].startswith(
        f"price_batch:{batcher.address}:2:"
    )
    assert round_of(first) == (1, 9_874_500_000, t0 - 5)
    assert round_of(second) == (1, 10_120_000_000, t0 - 4)
    assert (
        keeper.metrics.value("keeper_tx_total", {"label": "price_batch", "outcome": "mined"}) == 1
    )

    # Only the second feed moves: one plain submit.
    t1 = mine_at(chain, t0 + 20)
    quotes[1].quote("100.10", t1 - 1)
    (report,) = keeper.run_once()
    assert report.actions == [f"price:{second.address}:{t1 - 1} (mined)"]
    assert round_of(first)[0] == 1 and round_of(second) == (2, 10_010_000_000, t1 - 1)


def test_two_keepers__sequential_and_concurrent__each_quote_pushed_once(
    chain, make_feed, custodian, oracle_yaml, feed_keeper, reporter, second_reporter
):
    feed = make_feed()
    a = feed_keeper(reporter, oracle_yaml, prices_job(feed), name="a")
    b = feed_keeper(second_reporter, oracle_yaml, prices_job(feed), name="b")
    t0 = head_time(chain)
    custodian.quote("98.745", t0 - 10)
    assert len(a.run_once()[0].actions) == 1
    assert b.run_once()[0].actions == [], "b sees a's round on chain and sends nothing"
    for step in range(1, 4):
        t = mine_at(chain, t0 + 100 * step)
        custodian.quote(f"{98.745 + step:.3f}", t - 1)
        threads = [threading.Thread(target=k.run_once) for k in (a, b)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        round_id, _, updated_at = round_of(feed)
        assert (round_id, updated_at) == (1 + step, t - 1), "one round per quote"
    logs = chain.provider.web3.eth.get_logs(
        {"address": feed.address, "fromBlock": 0, "toBlock": "latest",
         "topics": [ANSWER_UPDATED]}
    )  # fmt: skip
    assert len(logs) == 4


def test_large_move__held_until_a_second_reporter_confirms__not_resent(
    chain, make_feed, custodian, oracle_yaml, feed_keeper, reporter, second_reporter
):
    feed = make_feed()
    a = feed_keeper(reporter, oracle_yaml, prices_job(feed), name="a")
    t0 = head_time(chain)
    custodian.quote("98.00", t0 - 10)
    a.run_once()
    # A 15 % move: above the PriceFeed's 10 % limit, so it is held as a proposal.
    t1 = mine_at(chain, t0 + 60)
    custodian.quote("112.70", t1 - 1)
    (report,) = a.run_once()
    assert report.actions == [f"price:{feed.address}:{t1 - 1} (mined)"]
    assert round_of(feed)[0] == 1
    assert report.alerts and "second reporter" in report.alerts[0]
    assert a.metrics.value("keeper_price_awaiting_confirmation", {"feed": "BL31"}) == 1
    # Our own proposal cannot confirm itself: the next pass sends nothing.
    mine_at(chain, t1 + 30)
    (report,) = a.run_once()
    assert report.actions == [] and report.alerts
    # A second keeper with another reporter sees the same quote: it confirms.
    b = feed_keeper(second_reporter, oracle_yaml, prices_job(feed), name="b")
    (report,) = b.run_once()
    assert len(report.actions) == 1
    assert round_of(feed) == (2, 11_270_000_000, t1 - 1)
    assert a.run_once()[0].actions == []
    assert a.metrics.value("keeper_price_awaiting_confirmation", {"feed": "BL31"}) == 0


@pytest.mark.parametrize(
    ("fault", "reason"),
    [("http_500", "http_error"), ("garbage_json", "not_json"), ("hang", "timeout")],
)
def test_source_fault__nothing_pushed_and_metrics_show_it(
    chain, make_feed, custodian, oracle_yaml, feed_keeper, reporter, fault, reason
):
    feed = make_feed()
    keeper = feed_keeper(reporter, oracle_yaml, prices_job(feed))
    t0 = head_time(chain)
    custodian.quote("98.745", t0 - 10)
    keeper.run_once()
    assert round_of(feed)[0] == 1
    # The custodian fails while the price has moved a lot and the heartbeat is due.
    t1 = mine_at(chain, t0 + HEARTBEAT_S + 60)
    custodian.quote("90.00", t1 - 1)
    if fault == "http_500":
        custodian.status = 500
    elif fault == "garbage_json":
        custodian.raw = '{"data": {"isin": "IT0005083057", "price": {"clean": 98.7'
    else:
        custodian.hang, custodian.hang_s = True, 0.6
    for _ in range(2):
        (report,) = keeper.run_once()
        assert report.actions == []
        assert report.skipped and reason in report.skipped[0]
    assert round_of(feed) == (1, 9_874_500_000, t0 - 10), "nothing pushed"
    labels = {"feed": "BL31", "reason": reason}
    assert keeper.metrics.value("keeper_oracle_rejections_total", labels) >= 2
    assert keeper.metrics.value("keeper_feed_no_value", {"feed": "BL31"}) == 1
    assert keeper.metrics.value("keeper_price_age_seconds", {"feed": "BL31"}) == t1 - (t0 - 10)
    assert not keeper.last_error, "a data fault is not a job failure"
    # The source recovers: the value is pushed and the flag clears.
    custodian.quote("90.00", t1 - 1)
    (report,) = keeper.run_once()
    assert report.actions == [f"price:{feed.address}:{t1 - 1} (mined)"]
    assert keeper.metrics.value("keeper_feed_no_value", {"feed": "BL31"}) == 0


def test_quote_outside_validation_range__rejected_never_pushed(
    chain, make_feed, custodian, oracle_yaml, feed_keeper, reporter
):
    feed = make_feed()
    keeper = feed_keeper(reporter, oracle_yaml, prices_job(feed))
    t0 = head_time(chain)
    custodian.quote("0.0001", t0 - 1)  # below the default range [0.01, 500]
    (report,) = keeper.run_once()
    assert report.actions == [] and round_of(feed)[0] == 0
    assert (
        keeper.metrics.value(
            "keeper_oracle_rejections_total", {"feed": "BL31", "reason": "out_of_range"}
        )
        == 1
    )
    assert keeper.metrics.value("keeper_price_age_seconds", {"feed": "BL31"}) == float("inf")


def test_setup__missing_roles_refused_with_the_fix(
    chain, project, admin, make_feed, oracle_yaml, feed_keeper, reporter
):
    bare = make_feed(roles=False)
    keeper = feed_keeper(reporter, oracle_yaml, prices_job(bare), name="a")
    with pytest.raises(UnsafeStateError, match="lacks REPORTER_ROLE on the PriceFeed"):
        keeper.start()
    feed = make_feed()
    batcher = admin.deploy(project.PriceFeedBatcher)
    keeper = feed_keeper(reporter, oracle_yaml, prices_job(feed, batcher=batcher), name="b")
    with pytest.raises(UnsafeStateError, match="lacks FORWARDER_ROLE"):
        keeper.start()
