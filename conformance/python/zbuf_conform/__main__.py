"""The ``zbuf-conform`` console script: the bundled C harness, with the same flags, outputs and exit codes.

It replaces this process with the harness (exec), after setting what its Python test processes need: this
interpreter as the worker (so ``py:`` implementations run in the caller's venv) and the packaged vectors."""
import os
import sys

from . import executable, harness_env


def main() -> None:
    try:
        exe = executable()
    except FileNotFoundError as exc:
        print(f"zbuf-conform: {exc}", file=sys.stderr)
        sys.exit(2)
    sys.stdout.flush()
    sys.stderr.flush()
    # argv[0] without a slash: repro lines then read "zbuf-conform --impl ...", which this script runs.
    os.execve(str(exe), ["zbuf-conform", *sys.argv[1:]], harness_env())


if __name__ == "__main__":
    main()
