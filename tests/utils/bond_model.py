"""Pure-Python reference model of BondToken coupon entitlement.

Mirrors the contract's rules with plain dictionaries and no cleverness, so the
state machine can compare the two:

- The coupon of period k belongs to the balances held after the last block with
  timestamp < t_k (a block at t_k is already ex-coupon).
- Due for period k = ceil(coupon_k * supply_k / 1e18) stablecoin units.
- A holder's entitlement for period k = floor(balance_k * funded_k / supply_k);
  what a claim pays is the entitlement minus what was already paid for k.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TOKEN = 10**18


@dataclass
class BondModel:
    dates: list[int]
    coupons: list[int]
    balances: dict[str, int] = field(default_factory=dict)
    recorded: int = 0
    record_balances: dict[int, dict[str, int]] = field(default_factory=dict)
    record_supply: dict[int, int] = field(default_factory=dict)
    due: dict[int, int] = field(default_factory=dict)
    funded: dict[int, int] = field(default_factory=dict)
    paid: dict[tuple[str, int], int] = field(default_factory=dict)

    @property
    def supply(self) -> int:
        return sum(self.balances.values())

    def advance(self, block_ts: int) -> None:
        """Take every record t_k <= block_ts (called before applying a tx at block_ts)."""
        while self.recorded < len(self.dates) and self.dates[self.recorded] <= block_ts:
            self.recorded += 1
            k = self.recorded
            self.record_balances[k] = {a: b for a, b in self.balances.items() if b}
            self.record_supply[k] = self.supply
            self.due[k] = -(-self.coupons[k - 1] * self.supply // TOKEN)
            self.funded[k] = 0

    def mint(self, to: str, amount: int, block_ts: int) -> None:
        self.advance(block_ts)
        self.balances[to] = self.balances.get(to, 0) + amount

    def transfer(self, src: str, dst: str, amount: int, block_ts: int) -> None:
        self.advance(block_ts)
        assert self.balances.get(src, 0) >= amount
        self.balances[src] = self.balances.get(src, 0) - amount
        self.balances[dst] = self.balances.get(dst, 0) + amount

    def fund(self, k: int, amount: int, block_ts: int) -> None:
        self.advance(block_ts)
        assert 1 <= k <= self.recorded
        assert self.funded[k] + amount <= self.due[k]
        self.funded[k] += amount

    def entitlement(self, holder: str, k: int) -> int:
        supply = self.record_supply[k]
        if supply == 0:
            return 0
        return self.record_balances[k].get(holder, 0) * self.funded[k] // supply

    def claimable(self, holder: str, first: int, last: int) -> int:
        return sum(
            self.entitlement(holder, k) - self.paid.get((holder, k), 0)
            for k in range(first, min(last, self.recorded) + 1)
        )

    def claim(self, holder: str, first: int, last: int, block_ts: int) -> int:
        self.advance(block_ts)
        total = 0
        for k in range(first, last + 1):
            owed = self.entitlement(holder, k) - self.paid.get((holder, k), 0)
            assert owed >= 0
            self.paid[(holder, k)] = self.paid.get((holder, k), 0) + owed
            total += owed
        return total

    def paid_for(self, k: int) -> int:
        return sum(v for (_, kk), v in self.paid.items() if kk == k)
