"""The ``uvis-gateway`` command line. Heavy modules are imported per command."""

from __future__ import annotations

import argparse
import sys


def _add_decode(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("decode", help="decode hex captures of one device session to JSON lines")
    p.add_argument("--protocol", required=True, help="protocol name (gt06, teltonika, nmea/t55)")
    p.add_argument("--transport", choices=("tcp", "udp", "http"), default="tcp")
    p.add_argument("--framed", action="store_true", help="each line is exactly one frame")
    p.add_argument("--assume-device", metavar="ID", help="identity before the device identifies itself")
    p.add_argument("--now", metavar="ISO8601", help="the server clock for the session")
    p.add_argument("--strict-checksum", action="store_true", help="reject frames whose checksum fails")
    p.add_argument("file", nargs="?", help="input file of hex lines (default: standard input)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="uvis-gateway", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    _add_decode(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "decode":
        from . import decode_cmd
        return decode_cmd.main(args)
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
