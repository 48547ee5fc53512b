"""The signer: an ape keystore account unlocked from an environment variable."""

from __future__ import annotations

import pytest
from eth_account import Account

from keeper.chain import load_signer
from keeper.exceptions import SignerError
from keeper.settings import SignerSettings

KEY = "0x" + "11" * 32
TX = {
    "chainId": 31337,
    "to": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    "data": "0x",
    "value": 0,
    "nonce": 4,
    "gas": 21_000,
    "maxFeePerGas": 3 * 10**9,
    "maxPriorityFeePerGas": 10**9,
}


@pytest.fixture
def keystore(tmp_path, monkeypatch):
    """An ape keystore account `keeper-test` (passphrase `s3cret`) in a temporary folder."""
    from ape import accounts
    from ape_accounts.accounts import import_account_from_private_key

    container = accounts.containers["accounts"]
    monkeypatch.setitem(container.__dict__, "data_folder", tmp_path)
    import_account_from_private_key("keeper-test", "s3cret", KEY)
    return "keeper-test"


@pytest.fixture
def ecosystem():
    from ape import networks

    return networks.ethereum


def test_keystore_signer__passphrase_from_env__signs_for_its_address(
    keystore, ecosystem, monkeypatch
):
    monkeypatch.setenv("KEEPER_TEST_PASS", "s3cret")
    settings = SignerSettings(alias=keystore, passphrase_env="KEEPER_TEST_PASS")
    signer = load_signer(settings, ecosystem)
    raw, tx_hash = signer.sign(TX)
    assert Account.recover_transaction(raw) == Account.from_key(KEY).address == signer.address
    assert tx_hash.startswith("0x") and len(tx_hash) == 66


def test_keystore_signer__passphrase_variable_unset__says_which(keystore, ecosystem, monkeypatch):
    monkeypatch.delenv("KEEPER_TEST_PASS", raising=False)
    settings = SignerSettings(alias=keystore, passphrase_env="KEEPER_TEST_PASS")
    with pytest.raises(SignerError, match="KEEPER_TEST_PASS"):
        load_signer(settings, ecosystem)


def test_keystore_signer__wrong_passphrase__refused(keystore, ecosystem, monkeypatch):
    monkeypatch.setenv("KEEPER_TEST_PASS", "wrong")
    settings = SignerSettings(alias=keystore, passphrase_env="KEEPER_TEST_PASS")
    with pytest.raises(SignerError, match="cannot unlock"):
        load_signer(settings, ecosystem)


def test_unknown_alias__tells_how_to_import(keystore, ecosystem, monkeypatch):
    monkeypatch.setenv("KEEPER_TEST_PASS", "s3cret")
    settings = SignerSettings(alias="nobody", passphrase_env="KEEPER_TEST_PASS")
    with pytest.raises(SignerError, match="ape accounts import nobody"):
        load_signer(settings, ecosystem)
