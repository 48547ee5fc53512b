# pragma version ~=0.4.3
"""
@title Plain snekmate ERC-20 (benchmark reference only)
@license GNU Affero General Public License v3.0 only
@notice The unmodified snekmate ERC-20, deployed by the gas benchmark to show
        what a permissionless transfer costs on the same Anvil, next to the
        BondToken's permissioned, record-date-aware transfer.
"""

from snekmate.auth import ownable
from snekmate.tokens import erc20

initializes: ownable
initializes: erc20[ownable := ownable]

exports: erc20.__interface__


@deploy
def __init__():
    ownable.__init__()
    erc20.__init__("Plain", "PLN", 18, "Plain", "1")
