# pragma version ~=0.4.3
"""
@title Mock USDC (test double)
@license GNU Affero General Public License v3.0 only
@notice A stand-in for Circle's FiatToken (USDC) for tests and the local
        demo: 6 decimals, a blacklister that freezes accounts (they can
        neither send, receive nor approve), and a pauser that stops all
        transfers, approvals and mints. Revert strings follow FiatToken's.
@custom:security Test double only; never deploy to a real network.
"""

# ---------------------------------------------------------------- modules --
from snekmate.auth import ownable
from snekmate.tokens import erc20

initializes: ownable
initializes: erc20[ownable := ownable]

exports: (
    erc20.allowance,
    erc20.balanceOf,
    erc20.totalSupply,
    erc20.name,
    erc20.symbol,
    erc20.decimals,
    erc20.nonces,
    # permit sets an allowance by signature (blacklist applies at transfer time).
    erc20.permit,
    erc20.DOMAIN_SEPARATOR,
    erc20.eip712Domain,
    ownable.owner,
)

# ---------------------------------------------------------------- storage --
blacklister: public(address)
pauser: public(address)
paused: public(bool)
isBlacklisted: public(HashMap[address, bool])

# ----------------------------------------------------------------- events --
event Blacklisted:
    account: indexed(address)

event UnBlacklisted:
    account: indexed(address)

event Pause:
    pass

event Unpause:
    pass


# ------------------------------------------------------------ constructor --
@deploy
def __init__():
    ownable.__init__()
    erc20.__init__("USD Coin (mock)", "USDC", 6, "USD Coin", "2")
    self.blacklister = msg.sender
    self.pauser = msg.sender


# --------------------------------------------------------------- external --
@external
def transfer(to: address, amount: uint256) -> bool:
    self._check(msg.sender, to)
    erc20._transfer(msg.sender, to, amount)
    return True


@external
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    self._check(owner, to)
    assert not self.isBlacklisted[msg.sender], "Blacklistable: account is blacklisted"
    erc20._spend_allowance(owner, msg.sender, amount)
    erc20._transfer(owner, to, amount)
    return True


@external
def approve(spender: address, amount: uint256) -> bool:
    self._check(msg.sender, spender)
    erc20._approve(msg.sender, spender, amount)
    return True


@external
def mint(to: address, amount: uint256):
    """
    @notice Test faucet: the owner (test deployer) mints to anyone.
    """
    ownable._check_owner()
    assert not self.paused, "Pausable: paused"
    assert not self.isBlacklisted[to], "Blacklistable: account is blacklisted"
    erc20._mint(to, amount)


@external
def blacklist(account: address):
    assert msg.sender == self.blacklister, "Blacklistable: caller is not the blacklister"
    self.isBlacklisted[account] = True
    log Blacklisted(account=account)


@external
def unBlacklist(account: address):
    assert msg.sender == self.blacklister, "Blacklistable: caller is not the blacklister"
    self.isBlacklisted[account] = False
    log UnBlacklisted(account=account)


@external
def pause():
    assert msg.sender == self.pauser, "Pausable: caller is not the pauser"
    self.paused = True
    log Pause()


@external
def unpause():
    assert msg.sender == self.pauser, "Pausable: caller is not the pauser"
    self.paused = False
    log Unpause()


# --------------------------------------------------------------- internal --
@internal
@view
def _check(a: address, b: address):
    assert not self.paused, "Pausable: paused"
    assert not self.isBlacklisted[a], "Blacklistable: account is blacklisted"
    assert not self.isBlacklisted[b], "Blacklistable: account is blacklisted"
