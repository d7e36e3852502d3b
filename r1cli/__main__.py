"""Entry point for `r1`, `r1cli` and `python -m r1cli`.

`--version` is answered here, before Typer (and everything it pulls in) is imported:
it is the one command scripts call in a loop to check what is installed.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args in (["--version"], ["-V"]):
        from r1cli import __version__

        sys.stdout.write(f"r1 {__version__}\n")
        return
    from r1cli.cli import run

    run(args)


if __name__ == "__main__":
    main()
