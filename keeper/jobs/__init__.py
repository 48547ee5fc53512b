"""Keeper jobs, one module per kind of work. Each module has ``build(ctx, settings)``."""

from __future__ import annotations

from types import ModuleType

from keeper.jobs import amm, conversion, coupons, escrow, macro, prices

MODULES: dict[str, ModuleType] = {
    "coupons": coupons,
    "prices": prices,
    "macro": macro,
    "escrow": escrow,
    "amm": amm,
    "conversion": conversion,
}
