"""Job decision logic without a chain: funding plans, the circuit breaker, logs, health."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

from hypothesis import given
from hypothesis import strategies as st

from keeper.jobs.coupons import Funding, plan_funding
from keeper.logs import JsonFormatter
from keeper.metrics import HealthServer, Metrics
from keeper.scheduler import Breaker
from keeper.settings import BondSettings

BOND = BondSettings(name="BL31", address="0x5FbDB2315678afecb367f032d93F642f64180aa3")


def bond(**changes) -> BondSettings:
    return BOND.model_copy(update=changes)


def test_plan__nothing_missing__no_action():
    plan = plan_funding([Funding(1, 100, 100)], balance=10**9, allowance=10**9, bond=BOND)
    assert plan.actions == [] and plan.shortfalls == {} and not plan.approve


def test_plan__enough_money__each_period_funded_exactly_its_missing_part():
    owed = [Funding(1, 100, 40), Funding(2, 100, 0), Funding(0, 1000, 0)]
    plan = plan_funding(owed, balance=10**9, allowance=10**9, bond=BOND)
    assert [(a.period, a.amount, a.shortfall) for a in plan.actions] == [
        (1, 60, 0),
        (2, 100, 0),
        (0, 1000, 0),
    ]
    assert plan.shortfalls == {}


def test_plan__short__oldest_first_then_shortfall_reported():
    owed = [Funding(1, 100, 0), Funding(2, 100, 0), Funding(3, 100, 0)]
    plan = plan_funding(owed, balance=150, allowance=10**9, bond=BOND)
    assert [(a.period, a.amount) for a in plan.actions] == [(1, 100), (2, 50)]
    assert plan.shortfalls == {2: 50, 3: 100}


def test_plan__allowance_is_the_limit_without_auto_approve():
    plan = plan_funding([Funding(1, 100, 0)], balance=1000, allowance=30, bond=BOND)
    assert [(a.amount, a.shortfall) for a in plan.actions] == [(30, 70)]
    assert not plan.approve


def test_plan__auto_approve__approves_and_uses_the_balance():
    plan = plan_funding(
        [Funding(1, 100, 0)], balance=1000, allowance=30, bond=bond(auto_approve=True)
    )
    assert plan.approve and [a.amount for a in plan.actions] == [100]


def test_plan__dust_below_min_partial__no_transaction_but_shortfall():
    plan = plan_funding(
        [Funding(1, 100, 0)], balance=5, allowance=10**9, bond=bond(min_partial_units=10)
    )
    assert plan.actions == [] and plan.shortfalls == {1: 100}


def test_plan__completing_amount_below_min_partial__still_sent():
    plan = plan_funding(
        [Funding(1, 100, 97)], balance=5, allowance=10**9, bond=bond(min_partial_units=10)
    )
    assert [(a.amount, a.shortfall) for a in plan.actions] == [(3, 0)]


def test_plan__max_per_transaction__capped_and_rest_is_shortfall_this_pass():
    plan = plan_funding(
        [Funding(1, 100, 0)], balance=10**9, allowance=10**9, bond=bond(max_funding_units=60)
    )
    assert [(a.amount, a.shortfall) for a in plan.actions] == [(60, 40)]


@given(
    owed=st.lists(
        st.tuples(st.integers(0, 10**12), st.integers(0, 10**12)).map(lambda t: (max(t), min(t))),
        max_size=12,
    ),
    balance=st.integers(0, 10**13),
    allowance=st.integers(0, 10**13),
)
def test_plan__never_overfunds_nor_spends_more_than_available(owed, balance, allowance):
    items = [Funding(k + 1, due, funded) for k, (due, funded) in enumerate(owed)]
    plan = plan_funding(items, balance=balance, allowance=allowance, bond=BOND)
    by_period = {f.period: f for f in items}
    assert sum(a.amount for a in plan.actions) <= min(balance, allowance)
    for action in plan.actions:
        assert 0 < action.amount <= by_period[action.period].missing
    funded = {a.period: a.amount for a in plan.actions}
    for item in items:
        assert funded.get(item.period, 0) + plan.shortfalls.get(item.period, 0) == item.missing


# ------------------------------------------------------------------- breaker
def test_breaker__opens_after_n_failures_then_half_opens_after_cooldown():
    breaker = Breaker(max_failures=3, cooldown_s=10)
    assert not breaker.failure(0) and not breaker.failure(1)
    assert breaker.failure(2) and breaker.open
    assert not breaker.allow(5) and breaker.allow(12)
    breaker.success()
    assert not breaker.open and breaker.allow(13)


def test_breaker__success_resets_the_count():
    breaker = Breaker(max_failures=2, cooldown_s=10)
    breaker.failure(0)
    breaker.success()
    assert not breaker.failure(1)


# ------------------------------------------------------------------ logs, health
def test_json_log__one_object_with_extra_fields():
    record = logging.LogRecord("keeper.tx", logging.INFO, __file__, 1, "sent", (), None)
    record.key = "fund_coupon:0xabc:3"
    record.nonce = 7
    entry = json.loads(JsonFormatter().format(record))
    assert entry["msg"] == "sent" and entry["level"] == "info"
    assert entry["key"] == "fund_coupon:0xabc:3" and entry["nonce"] == 7


def test_health_server__metrics_and_health_status_codes():
    metrics = Metrics()
    metrics.job_runs.labels(job="coupons", outcome="success").inc()
    state = {"healthy": True}
    server = HealthServer(metrics, lambda: state, "127.0.0.1", 0)
    server.start()
    base = f"http://127.0.0.1:{server.port}"
    try:
        body = urllib.request.urlopen(f"{base}/metrics", timeout=5).read().decode()
        assert 'keeper_job_runs_total{job="coupons",outcome="success"} 1.0' in body
        assert json.loads(urllib.request.urlopen(f"{base}/health", timeout=5).read())["healthy"]
        state["healthy"] = False
        try:
            urllib.request.urlopen(f"{base}/health", timeout=5)
            raise AssertionError("expected 503")
        except urllib.error.HTTPError as exc:
            assert exc.code == 503
    finally:
        server.stop()
