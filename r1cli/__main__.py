"""Entry point for `r1`, `r1cli` and `python -m r1cli`.

`--version` is answered here, before Typer (and everything it pulls in) is imported:
it is the one command scripts call in a loop to check what is installed.
"""

# No `from __future__ import annotations`: it is a real import of the `__future__`
# module, paid by every `--version`; the annotations below are valid on 3.10+ anyway.
import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args in (["--version"], ["-V"]):
        from r1cli import __version__

        sys.stdout.write(f"r1 {__version__}\n")
        if argv is None:  # the process's own entry point, not a caller in-process
            _exit_after_version()
        return
    from r1cli.cli.app import run

    run(args, process=argv is None)


def _exit_after_version() -> None:
    """End the process now, skipping the interpreter's teardown.

    Tearing down the modules that `-m` and site loaded costs about as much as the
    rest of `--version` together. Nothing can be lost here: no thread was started
    and none of our code registered an atexit handler or opened a file. If the flush
    fails (a closed pipe), return instead, so the normal exit reports it as before.
    """
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(0)


if __name__ == "__main__":
    main()
