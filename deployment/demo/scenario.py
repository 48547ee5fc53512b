"""What happens in the demo: the deployment, the simulated users, the calendar, and the
chain reads behind the status view, the summary and the plots.

Everything the keeper does, the keeper does (its own process, its own account). The
users here are ape test accounts: investors in the two funding rounds, one of them a
market maker who seeds both pools, traders, holders claiming coupons and PLT and
redeeming at maturity.
"""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analytics import bond_math
from keeper.deployment import Deployment, sha256_file

if TYPE_CHECKING:
    from deployment.demo.runner import DemoRun

DAY = 86_400
TOKEN = 10**18
PAR_ANSWER = 100 * 10**8
PHASES = {1: "open", 2: "active", 4: "succeeded", 8: "failed", 16: "cancelled"}
BONDS = ("corporate", "sovereign")
PARTS = {"bond": "bond", "escrow": "escrow", "feed": "price_feed", "amm": "amm"}
# The simulated sovereign path of config/oracle.example.yaml (analytics.sovereign, seed 42,
# t = 0 on 1 January 2024): it meets the TSDCM thresholds of config/deploy.local.yaml for
# 2030, so the conversion fires early in 2031 chain time (the demo starts in January 2027).
MACRO_SEED = 42
MACRO_START_YEAR = 2024


def _phase(value: Any) -> str:
    return PHASES.get(int(value), str(value))


class Scenario:
    def __init__(self, run: DemoRun) -> None:
        self.run = run
        self.project = run.project
        self.accts = run.accounts
        self.out = run.out
        self.rng = run.rng
        self.seeded: dict[str, bool] = {b: False for b in BONDS}
        self.trades: dict[str, int] = {b: 0 for b in BONDS}
        self.lp_removed: dict[str, bool] = {b: False for b in BONDS}
        self.health_port = 0
        self.history: list[dict[str, Any]] = []
        self._event_cache: dict[str, tuple[int, list[Any]]] = {}
        self.redeemed: dict[str, bool] = {b: False for b in BONDS}
        self._round_final: dict[str, dict[str, Any]] = {}
        self.plt_claimed = False

    # ------------------------------------------------------------------ deploy
    def deploy(self) -> None:
        from deployment.config import load_config
        from deployment.deploy import deploy_protocol

        cfg = load_config(self.run.o.config)
        self.deployment: Deployment = deploy_protocol(cfg, config_file=self.run.o.config)
        self.deployment.write(self.out / "deployment.json")
        d = self.deployment

        def at(key: str) -> Any:
            return getattr(self.project, d.contract_type(key)).at(d.address(key))

        self.usdc = at("stablecoin")
        self.whitelist = at("whitelist")
        self.macro = at("macro_feed")
        self.conversion = at("sovereign.conversion")
        self.c: dict[str, dict[str, Any]] = {
            b: {kind: at(f"{b}.{key}") for kind, key in PARTS.items()} for b in BONDS
        }
        by_address = {str(a.address).lower(): a for a in self.accts.test_accounts}
        self.role = {name: by_address.get(addr.lower()) for name, addr in d.accounts.items()}
        for needed in ("deployer", "kyc_operator", "keeper"):
            if self.role.get(needed) is None:
                raise RuntimeError(f"the demo needs role {needed} on an ape test account")
        self.keeper_index = next(
            i
            for i, a in enumerate(self.accts.test_accounts)
            if a.address == self.role["keeper"].address
        )
        self.terms = {b: d.details[b] for b in BONDS}
        for b in BONDS:
            t = self.terms[b]
            t["coupon_dates"] = [int(p["record_ts"]) for p in t["schedule"]]
            t["round_deadline"] = int(t["round"]["deadline"])
        self.maturity = {b: int(self.c[b]["bond"].maturityDate()) for b in BONDS}
        self.run.log(d.deployed_at, "deploy", f"protocol deployed at block {d.block}")

    # ----------------------------------------------------------------- configs
    def write_configs(self) -> None:
        from deployment.demo.runner import free_port, write_yaml

        custodian = self.run.custodian
        assert custodian is not None
        self.health_port = free_port()
        country = self.terms["sovereign"]["country"]
        oracle = {
            "version": 1,
            "http": {"connect_timeout_s": 1, "read_timeout_s": 2, "retry": {"attempts": 2}},
            "sources": {
                "custodian": custodian.source_config(),
                "simulation": {
                    "type": "simulated",
                    "seed": MACRO_SEED,
                    "start_year": MACRO_START_YEAR,
                    "years": 12,
                    "dt": 0.01,
                },
            },
            "feeds": [
                *(
                    {
                        "name": f"{b}-price",
                        "kind": "price",
                        "isin": self.terms[b]["isin"],
                        "sources": ["custodian"],
                        "validation": {
                            "range": {"min": 50, "max": 150},
                            "max_age_s": 200 * DAY,
                            "max_future_s": 300,
                            "max_deviation": {"relative_bps": 1000},
                        },
                        "aggregation": {"quorum": 1},
                    }
                    for b in BONDS
                ),
                *(
                    {
                        "name": f"{country}-{series}",
                        "kind": "macro",
                        "country": country,
                        "series": series,
                        "sources": ["simulation"],
                        "validation": {
                            "range": {"min": lo, "max": hi},
                            "newest_year_offset": -1,
                            "max_lag_years": 2,
                        },
                        "aggregation": {"quorum": 1},
                    }
                    for series, lo, hi in (("debt_to_gdp", 0, 400), ("gdp_growth", -50, 50))
                ),
            ],
        }
        write_yaml(
            self.out / "oracle.yaml",
            oracle,
            "# bondline demo: oracle configuration written by the demo (docs/oracle-config.md)\n",
        )
        keeper = {
            "version": 1,
            "chain": {"network": self.run.node.url if self.run.node else ""},
            "signer": {"test_account": self.keeper_index},
            "deployment": "deployment.json",
            "data_dir": "keeper-data",
            "oracle_config": "oracle.yaml",
            "tx": {"stuck_after_s": 10, "receipt_timeout_s": 60, "poll_interval_s": 0.05},
            "health": {"host": "127.0.0.1", "port": self.health_port},
            "logging": {"level": "INFO", "json": True},
            "jobs": {
                "escrow": {
                    "interval_s": 0.1,
                    "rounds": [
                        {"name": b, "address": f"@{b}.escrow", "from_block": self.deployment.block}
                        for b in BONDS
                    ],
                },
                "prices": {
                    "interval_s": 0.1,
                    "batcher": "@price_batcher",
                    "feeds": [
                        {
                            "name": b,
                            "feed": f"{b}-price",
                            "address": f"@{b}.price_feed",
                            "heartbeat_s": 7 * DAY,
                            "deviation_bps": 50,
                        }
                        for b in BONDS
                    ],
                },
                "macro": {
                    "interval_s": 0.1,
                    "sovereigns": [
                        {
                            "name": country,
                            "address": "@macro_feed",
                            "country": country,
                            "debt_feed": f"{country}-debt_to_gdp",
                            "growth_feed": f"{country}-gdp_growth",
                        }
                    ],
                },
                "coupons": {
                    "interval_s": 0.1,
                    "bonds": [
                        {"name": b, "address": f"@{b}.bond", "auto_approve": True} for b in BONDS
                    ],
                },
                "amm": {
                    "interval_s": 0.1,
                    "pools": [{"name": b, "address": f"@{b}.amm"} for b in BONDS],
                },
                "conversion": {
                    "interval_s": 0.1,
                    "contracts": [{"name": "sovereign", "address": "@sovereign.conversion"}],
                },
            },
        }
        write_yaml(
            self.out / "keeper.yaml",
            keeper,
            "# bondline demo: keeper configuration written by the demo (docs/keeper.md).\n"
            "# Point the same keeper at another network: deploy there with `ape run deploy\n"
            "# --network <choice>`, set chain.network (or pass --network) and signer.alias.\n",
        )
        self.config_sha256 = sha256_file(self.out / "keeper.yaml")

    # ---------------------------------------------------------------- investors
    def _new_account(self) -> Any:
        account = self.accts.test_accounts.generate_test_account()
        assert self.run.node is not None
        self.run.node.set_balance(str(account.address), 100 * 10**18)
        return account

    def onboard(self) -> None:
        """KYC, then each round is committed and fulfilled in full by the investors
        (one of them, the market maker, takes a larger ticket to seed the pool)."""
        kyc = self.role["kyc_operator"]
        faucet = self.role["deployer"]  # MockUSDC's owner (its test faucet)
        now = self.run.node.timestamp_now() if self.run.node else 0
        self.investors = [self._new_account() for _ in range(self.run.o.investors)]
        self.market_maker = self.investors[0]
        expiry = now + 12 * 365 * DAY
        for inv in self.investors:
            self.whitelist.register(inv, expiry, 380, sender=kyc)
        for b in BONDS:
            escrow = self.c[b]["escrow"]
            target = int(escrow.TARGET())
            unit = int(escrow.UNIT())
            # market maker 30 %, the rest split unevenly; the last ticket closes the round
            weights = [3.0] + [0.5 + self.rng.random() for _ in self.investors[1:]]
            tickets = [int(target * w / sum(weights)) // unit * unit for w in weights]
            tickets[-1] += target - sum(tickets)
            for inv, amount in zip(self.investors, tickets, strict=True):
                self.usdc.mint(inv, amount, sender=faucet)
                self.usdc.approve(escrow, amount, sender=inv)
                escrow.commit(amount, sender=inv)
            for inv in self.investors:
                outstanding = int(escrow.position(inv).outstanding)
                if outstanding:
                    escrow.fulfil(outstanding, sender=inv)
            self.run.log(now, "escrow", f"{b}: {len(tickets)} investors committed and paid")
        # USDC the market maker needs to seed both pools
        self.usdc.mint(self.market_maker, 10**6 * 10**6, sender=faucet)
        # initial custodian quotes at par-ish
        for b in BONDS:
            self.run.prices[b] = Decimal("99.50") if b == "corporate" else Decimal("97.00")
        self.publish_quotes()

    # ----------------------------------------------------------------- calendar
    def schedule(self) -> list[tuple[int, str]]:
        events: dict[int, list[str]] = {}

        def add(ts: int, label: str) -> None:
            events.setdefault(ts, []).append(label)

        for b in BONDS:
            t = self.terms[b]
            add(int(t["round_deadline"]) + 3600, f"{b} round deadline")
            for k, ts in enumerate(t["coupon_dates"], start=1):
                add(int(ts) + 3600, f"{b} coupon {k}")
            add(int(t["coupon_dates"][-1]) - 45 * DAY, f"{b} pool wound down")
            add(int(t["coupon_dates"][-1]) + 2 * 3600, f"{b} maturity")
        first = min(int(self.terms[b]["round_deadline"]) for b in BONDS)
        last = max(int(self.terms[b]["coupon_dates"][-1]) for b in BONDS)
        ts = first + 45 * DAY
        while ts < last:
            add(ts, "market")
            ts += 182 * DAY
        year = bond_math.from_timestamp(first).year + 1
        while bond_math.to_timestamp(bond_math.date(year, 1, 1)) < last:
            add(bond_math.to_timestamp(bond_math.date(year, 1, 3)), f"{year - 1} macro data")
            year += 1
        add(last + 10 * DAY, "wrap-up")
        return [(ts, ", ".join(labels)) for ts, labels in sorted(events.items())]

    # -------------------------------------------------------------------- prices
    def publish_quotes(self) -> None:
        custodian = self.run.custodian
        assert custodian is not None and self.run.node is not None
        now = self.run.node.timestamp_now()
        for b in BONDS:
            custodian.set_quote(self.terms[b]["isin"], self.run.prices[b], now)

    def move_prices(self) -> None:
        from deployment.demo.runner import price_step

        converted = bool(self.conversion.conversionTime())
        for b in BONDS:
            vol = 1.2 if b == "corporate" else (2.5 if not converted else 1.5)
            self.run.prices[b] = price_step(
                self.rng, self.run.prices[b], years=0.25, pull=0.8, vol=vol, cap=0.03
            )
        self.publish_quotes()

    # ------------------------------------------------------------------- actions
    def act(self, label: str) -> None:
        node = self.run.node
        assert node is not None
        now = node.timestamp_now()
        coupon_step = any(w in label for w in ("coupon", "maturity", "wrap-up"))
        for b in BONDS:
            c = self.c[b]
            bond, amm = c["bond"], c["amm"]
            maturity = self.maturity[b]
            delivered = not self.seeded[b] and int(bond.balanceOf(self.market_maker)) > 0
            if delivered and now < maturity - 60 * DAY:
                self._seed_pool(b, now)
            if self.seeded[b] and not self.lp_removed[b] and now >= maturity - 50 * DAY:
                shares = int(amm.balanceOf(self.market_maker))
                amm.remove_liquidity(shares, 0, 0, self.market_maker, now + 3600,
                                     sender=self.market_maker)  # fmt: skip
                self.lp_removed[b] = True
                self.run.log(now, "amm", f"{b}: market maker withdrew the pool's liquidity")
            if self.seeded[b] and not self.lp_removed[b] and "market" in label:
                self._trade(b, now)
            if coupon_step:  # holders claim after each coupon date
                self._claim_coupons(b)
            if now >= maturity and not self.redeemed[b]:
                self._redeem(b, now)
        if not self.plt_claimed and self.conversion.conversionTime():
            for holder in self.investors:  # PLT once, right after the conversion
                if int(self.conversion.claimable(holder)) > 0:
                    self.conversion.claim(holder, sender=holder)
            self.plt_claimed = True

    def _seed_pool(self, b: str, now: int) -> None:
        c = self.c[b]
        mm = self.market_maker
        amount = int(c["bond"].balanceOf(mm)) // 2
        c["bond"].approve(c["amm"], amount, sender=mm)
        self.usdc.approve(c["amm"], 2**256 - 1, sender=mm)
        c["amm"].add_liquidity(amount, 2**200, 0, mm, now + 3600, sender=mm)
        self.seeded[b] = True
        self.run.log(now, "amm", f"{b}: pool seeded with {amount / TOKEN:,.0f} bonds")

    def _trade(self, b: str, now: int) -> None:
        """One arbitrage-style trade: a holder buys when the pool is below the oracle
        price and sells when it is above, for 0.5 % of the pool (about 1 % of price
        impact), so trades keep the pool near the custodian's price inside the band."""
        c = self.c[b]
        amm, bond = c["amm"], c["bond"]
        trader = self.investors[1 + self.rng.randrange(len(self.investors) - 1)]
        x = int(amm.reserves()[0])
        spot = int(amm.spot_price()[0])
        oracle = int(amm.oracle_price()[0])
        buy = spot < oracle
        size = x // 200
        if not buy:
            size = min(size, int(bond.balanceOf(trader)) // 2)
        if size == 0:
            return
        try:
            if buy:
                cost = int(amm.quote_buy(size)[2])
                if int(self.usdc.balanceOf(trader)) < cost:
                    self.usdc.mint(trader, cost, sender=self.role["deployer"])
                self.usdc.approve(amm, cost, sender=trader)
                amm.buy(size, cost, trader, now + 3600, sender=trader)
            else:
                out = int(amm.quote_sell(size)[2])
                bond.approve(amm, size, sender=trader)
                amm.sell(size, out, trader, now + 3600, sender=trader)
        except Exception as exc:  # the band refuses the trade: that is the AMM's job
            reason = getattr(exc, "message", None) or str(exc).splitlines()[0]
            self.run.log(now, "amm", f"{b}: {'buy' if buy else 'sell'} refused ({reason})")
            return
        self.trades[b] += 1

    def _claim_coupons(self, b: str) -> None:
        bond = self.c[b]["bond"]
        recorded = int(bond.recorded_periods())
        if recorded == 0:
            return
        for holder in self.investors:
            if int(bond.claimable_coupons(holder, 1, recorded)) > 0:
                bond.claim_coupons(1, recorded, sender=holder)

    def _redeem(self, b: str, now: int) -> None:
        bond = self.c[b]["bond"]
        due, funded, _ = (int(v) for v in bond.redemption_state())
        if funded == 0:
            return
        for holder in self.investors:
            balance = int(bond.balanceOf(holder))
            if balance:
                bond.redeem(balance, sender=holder)
        self.redeemed[b] = funded == due

    # ------------------------------------------------------------------ reading
    def _coupon_totals(self, b: str) -> dict[str, int]:
        bond = self.c[b]["bond"]
        funded = sum(int(log.amount) for log in self._events(bond.CouponFunded))
        logs = self._events(bond.CouponsClaimed)
        pool = str(self.c[b]["amm"].address)
        claimed = sum(int(log.amount) for log in logs)
        pool_collected = sum(int(log.amount) for log in logs if str(log.holder) == pool)
        return {"funded": funded, "claimed": claimed, "pool_collected": pool_collected}

    def snapshot(self, label: str) -> dict[str, Any]:
        import time

        node = self.run.node
        assert node is not None
        now = node.timestamp_now()
        bonds: dict[str, Any] = {}
        for b in BONDS:
            c = self.c[b]
            bond, escrow, feed, amm = c["bond"], c["escrow"], c["feed"], c["amm"]
            t = self.terms[b]
            round_data = self._round_final.get(b)
            if round_data is None:
                totals = escrow.totals()
                round_data = {
                    "phase": _phase(escrow.phase()),
                    "raised": int(totals.raised),
                    "target": int(t["round"]["target_units"]),
                    "investors": int(totals.investors),
                    "delivered": len(self._events(escrow.Claimed)),
                }
                if round_data["phase"] != "open" and round_data["phase"] != "active":
                    if round_data["delivered"] == round_data["investors"]:
                        self._round_final[b] = round_data  # nothing changes any more
            _, answer, _, updated, _ = feed.latestRoundData()
            src = self.run.prices.get(b)
            feed_data = {
                "answer": None if int(updated) == 0 else int(answer) / 10**8,
                "updated": int(updated),
                "age_s": None if int(updated) == 0 else now - int(updated),
                "source": None if src is None else float(src),
            }
            x, _y, cash = (int(v) for v in amm.reserves())
            denom = int(t["denomination_units"])
            amm_data: dict[str, Any] = {"x": x / TOKEN, "cash": cash, "trades": self.trades[b],
                                        "band": (0.0, 0.0, 0.0), "spot": 0.0}  # fmt: skip
            if x and int(updated):
                lo, mid, hi = (int(v) * 100 / denom for v in amm.band())
                amm_data["band"] = (lo, mid, hi)
                amm_data["spot"] = int(amm.spot_price()[0]) * 100 / denom
            due = funded = 0
            if now >= self.maturity[b]:
                due, funded, _supply = (int(v) for v in bond.redemption_state())
            paid = sum(int(log.paid) for log in self._events(bond.Redeemed))
            bonds[b] = {
                "symbol": t["symbol"],
                "rate_pct": t["coupon_rate_bps"] / 100,
                "frequency": t["frequency"],
                "maturity": t["maturity_date"],
                "escrow": round_data,
                "feed": feed_data,
                "amm": amm_data,
                "coupons": {
                    "due": int(bond.due_periods()),
                    "periods": len(t["coupon_dates"]),
                    **self._coupon_totals(b),
                },
                "redemption": {"due": due, "funded": funded, "paid": paid},
            }
        snapshot = {
            "label": label,
            "chain_time": now,
            "date": bond_math.from_timestamp(now).isoformat(),
            "wall_s": time.monotonic() - self.run.started,
            "bonds": bonds,
            "macro": self._macro(),
            "conversion": self._conversion(),
            "keeper": self._keeper(),
        }
        self.history.append(snapshot)
        return snapshot

    def _events(self, event: Any) -> list[Any]:
        """Every log of ``event`` since the deployment (read incrementally: each call
        only asks the node for the blocks mined since the previous call)."""
        key = f"{event.contract.address}:{event.name}"
        seen, logs = self._event_cache.get(key, (self.deployment.block - 1, []))
        head = self._head()
        if head > seen:
            logs = logs + list(event.range(seen + 1, head + 1))
            self._event_cache[key] = (head, logs)
        return logs

    def _head(self) -> int:
        from ape import chain

        return int(chain.blocks.head.number)

    def _macro(self) -> dict[str, Any]:
        country = self.terms["sovereign"]["country"]
        code = country.encode()
        conv = self.terms["sovereign"]["conversion"]
        out: dict[str, Any] = {
            "country": country,
            "period": None,
            "debt_threshold": conv["debt_threshold_bps"] / 100,
            "growth_threshold": conv["growth_threshold_bps"] / 100,
        }
        period = int(self.macro.latest_period(code, 1))
        if period:
            out["period"] = period
            out["debt_pct"] = int(self.macro.observation(code, 1, period)[0]) / 100
            growth_period = int(self.macro.latest_period(code, 2))
            growth = self.macro.observation(code, 2, growth_period) if growth_period else None
            out["growth_pct"] = math.nan if growth is None else int(growth[0]) / 100
        return out

    def _conversion(self) -> dict[str, Any]:
        conv = self.conversion
        tau = int(conv.conversionTime())
        if not tau:
            holds, _code, reason = conv.check()
            return {"converted": False, "reason": "rule holds" if holds else str(reason)}
        claimed = sum(int(log.amount) for log in self._events(conv.PLTClaimed))
        return {
            "converted": True,
            "time": tau,
            "date": bond_math.from_timestamp(tau).isoformat(),
            "retired": int(conv.totalRetired()) / TOKEN,
            "plt_claimed": claimed / TOKEN,
            "final": bool(conv.payoutFinal()),
        }

    def _keeper(self) -> dict[str, Any]:
        keeper = self.run.keeper
        if keeper is None:
            return {"txs": 0, "failed": 0, "healthy": False}
        text = keeper.metrics()
        mined = failed = 0.0
        for line in text.splitlines():
            if line.startswith("keeper_tx_total{"):
                value = float(line.rsplit(" ", 1)[1])
                if 'outcome="mined"' in line or 'outcome="success"' in line:
                    mined += value
                elif 'outcome="reverted"' in line or 'outcome="failed"' in line:
                    failed += value
        health = keeper.health() or {}
        return {"txs": int(mined), "failed": int(failed), "healthy": bool(health.get("healthy"))}

    # ------------------------------------------------------------------ summary
    def summary(self) -> dict[str, Any]:
        last = self.snapshot("summary")
        out: dict[str, Any] = {
            "chain_id": self.deployment.chain_id,
            "deployment_block": self.deployment.block,
            "final_chain_time": last["chain_time"],
            "bonds": {},
            "macro_updates": len(self._events(self.macro.ObservationReported)),
            "macro_prints": [
                {
                    "series": "debt_to_gdp" if int(log.series) == 1 else "gdp_growth",
                    "period": int(log.period),
                    "value_pct": int(log.value) / 100,
                    "published_at": int(log.published_at),
                }
                for log in self._events(self.macro.ObservationReported)
            ],
            "conversion": last["conversion"],
            "keeper": last["keeper"],
        }
        for b in BONDS:
            s = last["bonds"][b]
            feed = self.c[b]["feed"]
            out["bonds"][b] = {
                "address": str(self.c[b]["bond"].address),
                "raised_units": s["escrow"]["raised"],
                "round_phase": s["escrow"]["phase"],
                "investors_delivered": s["escrow"]["delivered"],
                "price_updates": len(list(self._events(feed.AnswerUpdated))),
                "trades": self.trades[b],
                "coupon_periods_due": s["coupons"]["due"],
                "coupons_funded_units": s["coupons"]["funded"],
                "coupons_claimed_units": s["coupons"]["claimed"],
                "pool_coupons_collected_units": s["coupons"]["pool_collected"],
                "redemption_due_units": s["redemption"]["due"],
                "redemption_funded_units": s["redemption"]["funded"],
                "redemption_paid_units": s["redemption"]["paid"],
            }
        return out

    def plot(self, path: Path) -> None:
        from deployment.demo.plots import plot_history

        plot_history(self.history, path)
