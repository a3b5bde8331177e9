"""The ``uvis-gateway`` command line: the parser and the dispatch. Each
command is a module of this package (``run``, ``decode``, ``replay``,
``migrate``, ``demo``, ``config``, ``token``, ``command``, ``maintenance``:
quarantine and spool, ``api``), imported only when it runs, so ``decode``
starts without the database or network stack."""

from __future__ import annotations

import argparse
import importlib


def _add_decode(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("decode", help="decode hex captures of one device session to JSON lines")
    p.add_argument("--protocol", required=True, help="protocol name (gt06, teltonika, nmea/t55)")
    p.add_argument("--transport", choices=("tcp", "udp", "http"), default="tcp")
    p.add_argument("--framed", action="store_true", help="each line is exactly one frame")
    p.add_argument("--assume-device", metavar="ID", help="identity before the device identifies itself")
    p.add_argument("--now", metavar="ISO8601", help="the server clock for the session")
    p.add_argument("--strict-checksum", action="store_true", help="reject frames whose checksum fails")
    p.add_argument("--model", metavar="NAME",
                   help="the device's model, for protocols whose meanings depend on it (gt06: LW4G, "
                        "SEEWORLD, R11, VL103 ...; meitrack: MVT380, T1 ...)")
    p.add_argument("file", nargs="?", help="input file of hex lines (default: standard input)")


def _add_run(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run the gateway (listeners, writer, API)")
    _common_run_flags(p)
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="N processes sharing the ports (SO_REUSEPORT), one writer each (default 1)")
    p.add_argument("--mqtt", metavar="URL",
                   help="subscribe to this MQTT broker (mqtt://[user:pass@]host:port, mqtts://...; "
                        "?client_id=ID&version=3.1.1 optional)")
    p.add_argument("--mqtt-subscription", action="append", metavar="FILTER=FORMAT",
                   help="topic filter and payload format (owntracks, uvis-json, nmea or a protocol "
                        "name); repeatable")
    p.add_argument("--forward", action="append", metavar="URL",
                   help="forward every committed position and event to URL: http(s)://... "
                        "(webhook), mqtt://host:port/topic-template, amqp://user:pass@host/exchange, "
                        "nats://host:4222/subject; repeatable, one destination each (options: "
                        "[forward] in the TOML)")


def _common_run_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", metavar="FILE", help="TOML configuration file")
    p.add_argument("--database-url", metavar="URL",
                   help="PostgreSQL URL (default: UVIS_DATABASE_URL, else the embedded server)")
    p.add_argument("--data-dir", metavar="DIR", help="data directory (default ./uvis-data)")
    p.add_argument("--api-port", type=int, metavar="N", help="HTTP API port (default 8080)")
    p.add_argument("--api-host", metavar="HOST",
                   help="HTTP API address (default 0.0.0.0 with a token or JWT configured, else 127.0.0.1)")
    p.add_argument("--no-api", action="store_true", help="do not serve the HTTP API")
    p.add_argument("--api-insecure", action="store_true",
                   help="let the API listen on a non-loopback address with no token and no JWT "
                        "configured (data endpoints still need a credential)")
    p.add_argument("--spool-dir", metavar="DIR",
                   help="spool batches here while the database is down or slow "
                        "(default with the embedded database: DATA_DIR/spool)")
    p.add_argument("--no-spool", action="store_true", help="never spool; hold ACKs until the database commits")
    p.add_argument("--allow-list", metavar="IDS",
                   help="comma-separated device ids; other devices are refused")
    p.add_argument("--log-level", metavar="LEVEL", help="DEBUG, INFO, WARNING (default INFO)")
    p.add_argument("--log-format", choices=("text", "json"),
                   help="text (default) or json: one JSON object per line for Loki or ELK")


def _add_simulate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("simulate", help="simulate a fleet of trackers against a gateway")
    p.add_argument("--protocol", default="gt06", help="a protocol name (see README)")
    p.add_argument("--devices", type=int, default=10, metavar="N")
    p.add_argument("--rate", type=float, default=1.0, metavar="HZ", help="fixes per second per device")
    p.add_argument("--duration", type=float, default=30.0, metavar="S")
    p.add_argument("--target", default="127.0.0.1:5023", metavar="HOST:PORT")
    p.add_argument("--transport", choices=("tcp", "udp", "http", "mqtt"), default=None,
                   help="default: the protocol's first transport; mqtt: publish to the broker "
                        "--target mqtt://HOST:PORT in --format")
    p.add_argument("--format", metavar="F",
                   help="with --transport mqtt: owntracks, uvis-json, nmea or a protocol name "
                        "(default: the --protocol)")
    p.add_argument("--topic", metavar="TEMPLATE",
                   help="with --transport mqtt: topic per device, {id} replaced "
                        "(default owntracks/sim/{id} or uvis/FORMAT/{id})")
    p.add_argument("--ack-timeout", type=float, default=10.0, metavar="S",
                   help="resend a packet not acknowledged within S seconds")
    p.add_argument("--first-id", type=int, default=860000000000000, metavar="N",
                   help="IMEI of the first simulated device")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--json", metavar="FILE", help="also write the summary as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress lines")


def _add_demo(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="embedded database + gateway + API + a small simulated fleet")
    _common_run_flags(p)
    p.add_argument("--devices", type=int, default=20, metavar="N", help="simulated devices per protocol")
    p.add_argument("--duration", type=float, default=0, metavar="S", help="stop after S seconds (0: run until Ctrl-C)")


def _add_replay(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("replay", help="re-decode archived raw frames and store what they yield")
    _common_run_flags(p)
    p.add_argument("--protocol", required=True)
    p.add_argument("--from", dest="start", required=True, metavar="T1", help="ISO 8601, inclusive")
    p.add_argument("--to", dest="end", required=True, metavar="T2", help="ISO 8601, exclusive")


def _add_migrate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("migrate", help="apply the database migrations (and TimescaleDB settings); "
                                       "--timescale converts tables holding rows into hypertables")
    _common_run_flags(p)
    p.add_argument("--timescale", action="store_true",
                   help="convert positions and events into TimescaleDB hypertables while the gateways "
                        "run: copy in batches with progress (resumable), then swap in a short lock")
    p.add_argument("--batch-rows", type=int, metavar="N",
                   help="with --timescale: rows per copy transaction (default 10000)")
    p.add_argument("--lock-timeout", type=float, metavar="S",
                   help="with --timescale: wait at most S seconds for the table lock, "
                        "5 attempts (default 5)")
    # tests on PostgreSQL without TimescaleDB: the same copy and swap into a plain table
    p.add_argument("--plain-target", action="store_true", help=argparse.SUPPRESS)


def _add_quarantine(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("quarantine", help="records the database could not take: list them, or "
                                          "decode their raw frames again and store them (replay)")
    _common_run_flags(p)
    p.add_argument("action", choices=("list", "replay"))
    p.add_argument("--limit", type=int, default=100, help="list: at most this many (newest first)")
    p.add_argument("--id", type=int, action="append", metavar="N",
                   help="replay: only this entry (repeatable; default: every entry not replayed)")


def _add_spool(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("spool", help="the local spool: list its segments (damaged ones too), "
                                     "replay damaged segments")
    _common_run_flags(p)
    p.add_argument("action", choices=("list", "replay"))
    p.add_argument("--corrupt", action="store_true",
                   help="replay: salvage the whole records of the damaged segments in corrupt/")


def _add_forward(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("forward", help="forwarding's dead letters: list them, or send them again "
                                       "to their destination (redrive)")
    _common_run_flags(p)
    p.add_argument("action", choices=("list", "redrive"))
    p.add_argument("--forward", action="append", metavar="URL",
                   help="a destination as given to run --forward (repeatable)")
    p.add_argument("--destination", metavar="NAME", help="only this destination's dead letters")
    p.add_argument("--id", type=int, action="append", metavar="N", help="only this one (repeatable)")
    p.add_argument("--all", action="store_true", help="list: re-driven ones too")
    p.add_argument("--limit", type=int, default=100, help="list: at most this many (oldest first)")


def _add_api(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("api", help="serve the integrator API on its own (same database as run)")
    _common_run_flags(p)
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="N API processes sharing the port (SO_REUSEPORT; needs --database-url)")
    p.add_argument("--reuse-port", action="store_true", help=argparse.SUPPRESS)


def _add_token(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("token", help="API tokens: create (prints the secret once, alone on "
                                     "stdout), list, revoke")
    _common_run_flags(p)
    p.add_argument("action", choices=("create", "list", "revoke"))
    p.add_argument("name_arg", nargs="?", metavar="NAME", help="revoke: the token's name")
    p.add_argument("--name", help="create: the token's name (shown in access logs)")
    p.add_argument("--scope", action="append", metavar="SCOPE",
                   help="devices:read, devices:write, positions:read, events:read, live:read, "
                        "metrics:read, commands:write, commands:immobilise or admin; repeatable")
    p.add_argument("--group", action="append", metavar="GROUP",
                   help="limit the token to these device groups (repeatable; default: every device)")
    p.add_argument("--expires", metavar="WHEN", help="90d, 12h, 1y, an ISO 8601 time (default: never)")


def _add_command(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("command", help="commands to devices through the database: send (with "
                                       "--wait: exits 0 only when answered), list")
    actions = p.add_subparsers(dest="action", required=True)
    send = actions.add_parser("send", help="queue a command; the gateway holding the device sends it")
    _common_run_flags(send)
    send.add_argument("device", metavar="DEVICE")
    send.add_argument("type", metavar="TYPE", help="engineStop, engineResume, positionSingle, "
                      "positionPeriodic, positionStop, rebootDevice, outputControl, alarmArm, "
                      "alarmDisarm or custom")
    send.add_argument("--param", action="append", metavar="K=V",
                      help="a parameter (interval=60, index=1, on=true, data=TEXT, hex=HEX); repeatable")
    send.add_argument("--wait", type=float, metavar="S", help="wait up to S seconds for the answer")
    send.add_argument("--ttl", type=float, metavar="S", help="expire after S seconds (at most the "
                      "configured commands.ttl)")
    listing = actions.add_parser("list", help="a device's commands, newest first")
    _common_run_flags(listing)
    listing.add_argument("device", metavar="DEVICE")
    listing.add_argument("--limit", type=int, default=50)


def _add_config(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("config", help="configuration reference")
    p.add_argument("--print-default", action="store_true",
                   help="print the complete default TOML configuration, every option commented")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="uvis-gateway", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    _add_run(sub)
    _add_decode(sub)
    _add_simulate(sub)
    _add_demo(sub)
    _add_replay(sub)
    _add_migrate(sub)
    _add_quarantine(sub)
    _add_spool(sub)
    _add_forward(sub)
    _add_api(sub)
    _add_token(sub)
    _add_command(sub)
    _add_config(sub)
    return parser


#: command -> (module, function), imported only when that command runs (``decode``
#: starts without the database and network stack)
_COMMANDS: dict[str, tuple[str, str]] = {
    "decode": ("gateway.cli.decode", "main"),
    "run": ("gateway.cli.run", "main"),
    "simulate": ("simulators.cli", "main"),
    "simulate/mqtt": ("simulators.mqtt", "main"),
    "replay": ("gateway.cli.replay", "main_replay"),
    "migrate": ("gateway.cli.migrate", "main"),
    "quarantine": ("gateway.cli.maintenance", "main_quarantine"),
    "spool": ("gateway.cli.maintenance", "main_spool"),
    "forward": ("gateway.forward.cmd", "main"),
    "api": ("gateway.cli.api", "main"),
    "token": ("gateway.cli.token", "main"),
    "command": ("gateway.cli.command", "main"),
    "config": ("gateway.cli.config", "main"),
    "demo": ("gateway.cli.demo", "main"),
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command
    if command == "simulate" and args.transport == "mqtt":
        command = "simulate/mqtt"
    module, function = _COMMANDS[command]
    handler = getattr(importlib.import_module(module), function)
    if command == "api":
        return handler(args, argv)  # --workers N starts copies of this command line
    if command == "token":
        args.name = args.name or args.name_arg
    return handler(args)
