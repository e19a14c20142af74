"""nexus vault create | unlock | status: the passphrase-protected file for secrets.

For computers without a working system keyring. Once the vault exists in the
data folder, every ``nexus`` command that needs a secret unlocks it with the
passphrase from ``NEXUS_VAULT_PASSPHRASE`` or, in a terminal, by asking.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from .. import secrets
from ..paths import AppPaths
from ..secrets_vault import MIN_PASSPHRASE, Vault, VaultError
from . import arg, command

PASSPHRASE_ENV = "NEXUS_VAULT_PASSPHRASE"


def _ask(prompt: str) -> str:
    if not sys.stdin.isatty():
        raise VaultError("no passphrase given", hint=f"run it in a terminal, or set {PASSPHRASE_ENV}")
    return getpass.getpass(prompt)


def passphrase(confirm: bool = False) -> str:
    import os

    given = os.environ.get(PASSPHRASE_ENV)
    if given:
        return given
    first = _ask("Vault passphrase: ")
    if confirm and _ask("The same passphrase again: ") != first:
        raise VaultError("the two passphrases differ", hint="type the same one twice")
    return first


def opener(paths: AppPaths):
    """What opens the data folder's vault when a command needs a secret and there is no keyring."""

    def open_it() -> Vault | None:
        path = secrets.vault_path(paths.data)
        return Vault.unlock(path, passphrase()) if Vault.exists(path) else None

    return open_it


@command("vault", "the passphrase-protected file for keys and tokens, for computers without a keyring",
         arg("action", choices=("create", "unlock", "status"), help="create it, check the passphrase, or say where secrets go"))
def vault_command(args: argparse.Namespace) -> int:
    paths = AppPaths.resolve(args.data_dir)
    path = secrets.vault_path(paths.data)
    if args.action == "status":
        if Vault.exists(path):
            print(f"A secrets vault exists at {path}; commands unlock it with {PASSPHRASE_ENV} or by asking.")
        print(secrets.status().message)
        return 0
    if args.action == "create":
        vault = Vault.create(path, passphrase(confirm=True))
        print(f"Created the secrets vault {path} (a passphrase of at least {MIN_PASSPHRASE} characters; "
              "it cannot be recovered if forgotten).")
    else:
        vault = Vault.unlock(path, passphrase())
        print(f"Unlocked {path}: {len(vault.names())} secret(s) inside.")
    secrets.use_vault(vault)
    return 0
