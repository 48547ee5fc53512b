"""The keeper process: jobs on an apscheduler, the circuit breaker, health, shutdown.

:class:`Keeper` owns everything one signer needs (transaction manager over the state
store in ``data_dir``, the jobs, metrics). ``keeper once`` calls :meth:`Keeper.run_once`;
``keeper run`` calls :meth:`Keeper.run_forever`, which schedules each job at its
``interval_s`` with ``max_instances=1`` (a slow run is never overlapped by the next) and
``coalesce=True`` (runs missed while busy or suspended collapse into one: level-triggered
jobs catch up in a single pass anyway).

**Circuit breaker.** A job that fails ``circuit_breaker.max_consecutive_failures`` runs
in a row is paused for ``cooldown_s`` (``keeper_breaker_open{job}`` = 1, ``/health`` 503),
then tried again. An :class:`~keeper.exceptions.UnsafeStateError` (wrong chain, missing
role) stops the whole keeper with exit status 3. Below ``min_signer_balance_eth`` nothing
is sent and ``/health`` is 503.

**Shutdown.** SIGTERM or SIGINT sets the stop event: no new transaction is broadcast,
waits for receipts end at the next poll (the transaction stays in the store), running jobs
finish, the scheduler shuts down. A restart resumes pending transactions first.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from dataclasses import dataclass
from types import FrameType
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from keeper.chain import Chain
from keeper.exceptions import JobNotAvailable, TxAbandoned, UnsafeStateError
from keeper.jobs import MODULES
from keeper.jobs.base import Job, JobContext, JobReport
from keeper.metrics import HealthServer, Metrics
from keeper.settings import KeeperSettings
from keeper.tx import TxManager, TxStore

logger = logging.getLogger("keeper")


@dataclass
class Breaker:
    """Consecutive-failure counter with a cool-down (pure; the clock is passed in)."""

    max_failures: int
    cooldown_s: float
    failures: int = 0
    opened_at: float | None = None

    def allow(self, now: float) -> bool:
        if self.opened_at is None:
            return True
        if now - self.opened_at >= self.cooldown_s:
            return True  # half-open: one trial run
        return False

    def success(self) -> None:
        self.failures = 0
        self.opened_at = None

    def failure(self, now: float) -> bool:
        """Record a failure; True when this failure opened (or re-opened) the breaker."""
        self.failures += 1
        if self.failures >= self.max_failures:
            self.opened_at = now
            return True
        return False

    @property
    def open(self) -> bool:
        return self.opened_at is not None


class Keeper:
    def __init__(
        self,
        settings: KeeperSettings,
        chain: Chain,
        *,
        dry_run: bool = False,
        metrics: Metrics | None = None,
    ) -> None:
        self.settings = settings
        self.chain = chain
        self.dry_run = dry_run
        self.metrics = metrics or Metrics()
        self.stop = threading.Event()
        self.fatal: str | None = None
        self.store = TxStore.in_dir(settings.data_dir)
        self.tx = TxManager(
            chain, settings.tx, self.store, self.metrics, dry_run=dry_run, stop=self.stop
        )
        self.ctx = JobContext(
            chain=chain,
            tx=self.tx,
            metrics=self.metrics,
            dry_run=dry_run,
            oracle_config=settings.oracle_config,
        )
        self.jobs: dict[str, Job] = {}
        self.intervals: dict[str, float] = {}
        unavailable: list[str] = []
        for name in settings.enabled_jobs():
            job_settings = getattr(settings.jobs, name)
            try:
                self.jobs[name] = MODULES[name].build(self.ctx, job_settings)
            except JobNotAvailable as exc:
                unavailable.append(str(exc))
                continue
            except Exception:  # e.g. an invalid oracle config: nothing may stay open
                self.store.close()
                raise
            self.intervals[name] = float(job_settings.interval_s)
        if unavailable:
            self.store.close()
            raise JobNotAvailable("; ".join(unavailable))
        cb = settings.circuit_breaker
        self.breakers = {n: Breaker(cb.max_consecutive_failures, cb.cooldown_s) for n in self.jobs}
        self.last_success: dict[str, float] = {}
        self.last_error: dict[str, str] = {}
        self._started = False

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> None:
        """Resume pending transactions, then let each job check the chain once."""
        if self._started:
            return
        pending = self.tx.resume()  # may raise (node down): start() is retried
        if pending:
            logger.info("resuming pending transactions", extra={"count": len(pending)})
        for job in self.jobs.values():
            job.setup()
        self._started = True

    def close(self) -> None:
        self.store.close()

    # -------------------------------------------------------------------- runs
    def _balance_ok(self) -> bool:
        try:
            wei = self.chain.balance()
        except Exception:
            return True  # the job itself will report the node problem
        eth = wei / 10**18
        self.metrics.signer_balance.set(eth)
        minimum = self.settings.circuit_breaker.min_signer_balance_eth
        if eth < minimum:
            logger.error(
                "signer balance below circuit_breaker.min_signer_balance_eth; not sending",
                extra={"balance_eth": eth, "minimum_eth": minimum},
            )
            return False
        return True

    def run_job(self, name: str) -> JobReport | None:
        """One pass of one job, with metrics, logs and the breaker. Never raises except
        :class:`UnsafeStateError` (which also sets :attr:`fatal` and the stop event)."""
        if self.stop.is_set():
            return None
        breaker = self.breakers[name]
        now = time.monotonic()
        if not breaker.allow(now):
            return None
        if not self._balance_ok() and not self.dry_run:
            self.last_error[name] = "signer balance below the minimum"
            return None
        try:
            self.start()
            self.tx.reconcile()
            report = self.jobs[name].run()
        except TxAbandoned as exc:
            logger.info(
                "job interrupted; pending work is persisted", extra={"job": name, "why": str(exc)}
            )
            return None
        except UnsafeStateError as exc:
            self.fatal = str(exc)
            self.last_error[name] = str(exc)
            logger.critical(
                "unsafe state; stopping the keeper", extra={"job": name, "error": str(exc)}
            )
            self.stop.set()
            raise
        except Exception as exc:
            self.metrics.job_runs.labels(job=name, outcome="failure").inc()
            self.last_error[name] = f"{type(exc).__name__}: {exc}"
            logger.error(
                "job failed", extra={"job": name, "error": f"{type(exc).__name__}: {exc}"},
                exc_info=logger.isEnabledFor(logging.DEBUG),
            )  # fmt: skip
            if breaker.failure(time.monotonic()):
                self.metrics.breaker_open.labels(job=name).set(1)
                logger.error(
                    "circuit breaker open: job paused",
                    extra={
                        "job": name,
                        "failures": breaker.failures,
                        "cooldown_s": breaker.cooldown_s,
                    },
                )
            return None
        breaker.success()
        self.metrics.breaker_open.labels(job=name).set(0)
        self.metrics.job_runs.labels(job=name, outcome="success").inc()
        self.metrics.job_last_success.labels(job=name).set(time.time())
        self.last_success[name] = time.time()
        self.last_error.pop(name, None)
        if report.actions or report.alerts:
            logger.info("job done", extra=report.to_dict())
        return report

    def run_once(self) -> list[JobReport]:
        """One reconcile pass of every job (``keeper once``)."""
        reports = []
        for name in self.jobs:
            report = self.run_job(name)
            if report is not None:
                reports.append(report)
        return reports

    def health(self) -> dict[str, Any]:
        now = time.time()
        jobs = {}
        healthy = self._started and self.fatal is None and not self.stop.is_set()
        for name, interval in self.intervals.items():
            last = self.last_success.get(name)
            breaker = self.breakers[name]
            # stale: no success within three intervals (and at least a minute)
            stale = last is None or now - last > max(3 * interval, 60)
            if breaker.open or (self._started and stale and name in self.last_error):
                healthy = False
            jobs[name] = {
                "last_success_age_s": None if last is None else round(now - last, 1),
                "breaker_open": breaker.open,
                "last_error": self.last_error.get(name),
            }
        return {
            "healthy": healthy,
            "fatal": self.fatal,
            "signer": self.chain.address,
            "chain_id": self.chain.chain_id,
            "dry_run": self.dry_run,
            "pending_txs": len(self.tx.pending()),
            "jobs": jobs,
        }

    # ------------------------------------------------------------------ daemon
    def run_forever(self, *, install_signals: bool = True) -> int:
        """Run until SIGTERM/SIGINT (or :attr:`stop`); returns the process exit status."""
        if install_signals:
            self._install_signals()
        server = None
        if self.settings.health.enabled:
            server = HealthServer(
                self.metrics, self.health, self.settings.health.host, self.settings.health.port
            )
            server.start()
            logger.info(
                "health endpoint",
                extra={"url": f"http://{self.settings.health.host}:{server.port}/health"},
            )
        while not self._started:
            try:
                self.start()
            except UnsafeStateError as exc:
                self.fatal = str(exc)
                logger.critical("unsafe state at start-up", extra={"error": str(exc)})
                if server:
                    server.stop()
                return 3
            except Exception as exc:  # node unreachable: keep trying until stopped
                logger.error(
                    "start-up failed; retrying", extra={"error": f"{type(exc).__name__}: {exc}"}
                )
                if self.stop.wait(min(30.0, min(self.intervals.values(), default=5.0))):
                    if server:
                        server.stop()
                    return 0
        scheduler = BackgroundScheduler(
            job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
        )
        for name, interval in self.intervals.items():
            scheduler.add_job(
                self._scheduled, IntervalTrigger(seconds=interval), args=[name], id=name,
                name=name, next_run_time=_now_for_scheduler(),
            )  # fmt: skip
        scheduler.start()
        logger.info("keeper running", extra={"jobs": self.intervals, "dry_run": self.dry_run})
        try:
            while not self.stop.wait(0.5):
                pass
        finally:
            logger.info("stopping: waiting for running jobs to finish or park their work")
            scheduler.shutdown(wait=True)
            if server:
                server.stop()
            logger.info("stopped", extra={"pending_txs": len(self.tx.pending())})
        return 3 if self.fatal else 0

    def _scheduled(self, name: str) -> None:
        try:
            self.run_job(name)
        except UnsafeStateError:
            pass  # run_job set fatal and the stop event

    def _install_signals(self) -> None:
        def handler(signum: int, _frame: FrameType | None) -> None:
            logger.info(
                "signal received; shutting down", extra={"signal": signal.Signals(signum).name}
            )
            self.stop.set()

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)


def _now_for_scheduler() -> Any:
    from datetime import datetime

    return datetime.now().astimezone()
