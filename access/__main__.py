"""python -m access hash-password: a password hash for the users file (the password is asked for, never echoed and
never on the command line, where other users of the machine could read it)."""

from __future__ import annotations

import argparse
import getpass
import sys

from access.users import hash_password

MIN_LENGTH = 12


def main(argv: list[str] | None = None, ask=getpass.getpass) -> int:
    parser = argparse.ArgumentParser(prog="python -m access", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["hash-password"])
    parser.parse_args(argv)
    password = ask("Password: ")
    if len(password) < MIN_LENGTH:
        print(f"A password needs at least {MIN_LENGTH} characters.", file=sys.stderr)
        return 2
    if ask("Again: ") != password:
        print("The two passwords differ.", file=sys.stderr)
        return 2
    print(hash_password(password))
    return 0


if __name__ == "__main__":
    sys.exit(main())
