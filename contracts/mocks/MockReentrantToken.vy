# pragma version ~=0.4.3
"""
@title Mock re-entrant stablecoin (test double)
@license GNU Affero General Public License v3.0 only
@notice A plain ERC-20 (6 decimals, owner-only faucet) that, once armed,
        calls `target` with `payload` from inside its next `transfer`, and
        records whether that call succeeded. Used to prove the Escrow's
        `@nonreentrant` lock holds while it pays out.
@custom:security Test double only; never deploy to a real network.
"""

# ------------------------------------------------------------- interfaces --
from ethereum.ercs import IERC20

implements: IERC20

# ---------------------------------------------------------------- modules --
from snekmate.auth import ownable
from snekmate.tokens import erc20

initializes: ownable
initializes: erc20[ownable := ownable]

exports: (
    erc20.allowance,
    erc20.approve,
    erc20.balanceOf,
    erc20.totalSupply,
    erc20.decimals,
    erc20.transferFrom,
)

# ---------------------------------------------------------------- storage --
target: public(address)
payload: public(Bytes[1_024])
armed: public(bool)
attempted: public(bool)
reentry_succeeded: public(bool)


# ------------------------------------------------------------ constructor --
@deploy
def __init__():
    ownable.__init__()
    erc20.__init__("Reentrant USD (mock)", "rUSD", 6, "Reentrant USD", "1")


# --------------------------------------------------------------- external --
@external
def mint(to: address, amount: uint256):
    ownable._check_owner()
    erc20._mint(to, amount)


@external
def arm(target: address, payload: Bytes[1_024]):
    """
    @notice Call `target` with `payload` during the next `transfer`.
    """
    self.target = target
    self.payload = payload
    self.armed = True


@external
def transfer(to: address, amount: uint256) -> bool:
    erc20._transfer(msg.sender, to, amount)
    if self.armed:
        self.armed = False
        self.attempted = True
        self.reentry_succeeded = raw_call(self.target, self.payload, revert_on_failure=False)
    return True
