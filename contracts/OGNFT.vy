# pragma version ~=0.4.3
"""
@title bondline OG NFT (early-investor badge)
@license GNU Affero General Public License v3.0 only
@notice One ERC-721 collection per funding round: the round's Escrow
        mints one token to every investor who fulfilled their whole
        commitment in a successful round, when they claim their bonds.
@custom:security
        - Composed from snekmate's `erc721` (enumerable, EIP-4494 permit,
          EIP-4906). Only `mint` below creates tokens.
        - The Escrow deploys this contract from a blueprint in its own
          constructor, so the Escrow is `owner`. `transfer_ownership`,
          `renounce_ownership`, `set_minter` and `safe_mint` are NOT
          exported: ownership can never move and the Escrow is the only
          account that can ever mint (snekmate's `is_minter` map is unused).
        - `mint` uses erc721's plain `_mint`, not `_safe_mint`: no callback
          into the recipient, so a contract investor without
          `onERC721Received` cannot make its own bond claim revert, and
          the Escrow never hands control to an investor while minting.
        - Badges are ordinary ERC-721 tokens: transferable and burnable by
          their holder.
"""

# ---------------------------------------------------------------- modules --
from snekmate.auth import ownable
from snekmate.tokens import erc721

initializes: ownable
initializes: erc721[ownable := ownable]

exports: (
    # ERC-165 / ERC-721 core.
    erc721.supportsInterface,
    erc721.balanceOf,
    erc721.ownerOf,
    erc721.approve,
    erc721.getApproved,
    erc721.setApprovalForAll,
    erc721.isApprovedForAll,
    erc721.transferFrom,
    erc721.safeTransferFrom,
    # ERC-721 metadata: tokenURI = base URI + decimal token id.
    erc721.name,
    erc721.symbol,
    erc721.tokenURI,
    # ERC-721 enumerable.
    erc721.totalSupply,
    erc721.tokenByIndex,
    erc721.tokenOfOwnerByIndex,
    # A holder may destroy their own badge.
    erc721.burn,
    # EIP-4494 permit and EIP-712 / EIP-5267 domain.
    erc721.permit,
    erc721.nonces,
    erc721.DOMAIN_SEPARATOR,
    erc721.eip712Domain,
    # The Escrow that deployed this collection (the only minter).
    ownable.owner,
)

# ------------------------------------------------------------ constructor --
@deploy
def __init__(name_: String[25], symbol_: String[5], base_uri_: String[80]):
    """
    @notice Called by the Escrow through `create_from_blueprint`; the
            Escrow (msg.sender) becomes owner and sole minter.
    @param name_ Collection name (also the EIP-712 domain name).
    @param symbol_ Collection symbol.
    @param base_uri_ Token URI prefix: tokenURI(id) = base_uri_ + str(id).
    """
    ownable.__init__()
    erc721.__init__(name_, symbol_, base_uri_, name_, "1")


# --------------------------------------------------------------- external --
@external
def mint(to: address) -> uint256:
    """
    @notice Mint the next badge to `to` (the Escrow only).
    @dev Token ids start at 1 and count up: id n is the n-th badge minted.
    @param to The fulfilled investor.
    @return The new token id.
    """
    ownable._check_owner()
    # erc721._counter is the number of badges minted so far (erc721's own
    # `safe_mint`, which also advances it, is not exported).
    token_id: uint256 = erc721._counter + 1
    erc721._counter = token_id
    erc721._mint(to, token_id)
    return token_id
