"""Server -> device: Suntech commands (CR-terminated ASCII).

Suntech servers send no reply to reports (the vendor's UDP ACK is not used on
TCP). Commands: legacy ``<prefix>CMD;<ID>;02;<action>`` where the prefix is the
model part of the last legacy header seen (``SA200`` by default); Universal
``CMD;<ID>;<group>;<action>`` after any Universal or binary report.
"""

from __future__ import annotations

from datetime import datetime

from .._commands import Command, CommandError, check_supported
from .._errors import LocalProtocolError

__all__ = ["encode_legacy_command", "encode_universal_command", "LEGACY_ACTIONS",
           "UNIVERSAL_ACTIONS", "DEFAULT_PREFIX", "SUPPORTED_COMMANDS", "encode_typed_command",
           "answer_serial"]

DEFAULT_PREFIX = "SA200"

#: command name -> legacy action
LEGACY_ACTIONS: dict[str, str] = {
    "reboot": "Reboot",
    "positionSingle": "StatusReq",
    "engineStop": "Enable1",
    "engineResume": "Disable1",
    "outputOn1": "Enable1", "outputOff1": "Disable1",
    "outputOn2": "Enable2", "outputOff2": "Disable2",
}

#: command name -> Universal "group;action"
UNIVERSAL_ACTIONS: dict[str, str] = {
    "reboot": "03;03",
    "positionSingle": "03;01",
    "engineStop": "04;01",
    "engineResume": "04;02",
    "outputOn1": "04;01", "outputOff1": "04;02",
    "outputOn2": "04;03", "outputOff2": "04;04",
    "outputOn3": "04;09", "outputOff3": "04;10",
}


def _check_id(device_id: str) -> None:
    if not device_id or not device_id.isalnum():
        raise LocalProtocolError(f"suntech: bad device id {device_id!r}")


def encode_legacy_command(device_id: str, command: str, prefix: str = DEFAULT_PREFIX) -> bytes:
    _check_id(device_id)
    action = LEGACY_ACTIONS.get(command)
    if action is None:
        raise LocalProtocolError(f"suntech: unknown legacy command {command!r}")
    return f"{prefix}CMD;{device_id};02;{action}\r".encode("ascii")


def encode_universal_command(device_id: str, command: str) -> bytes:
    _check_id(device_id)
    action = UNIVERSAL_ACTIONS.get(command)
    if action is None:
        raise LocalProtocolError(f"suntech: unknown Universal command {command!r}")
    return f"CMD;{device_id};{action}\r".encode("ascii")


#: command type -> the action name of LEGACY_ACTIONS / UNIVERSAL_ACTIONS. Sources: Suntech
#: "ST300 Command Manual" (legacy ``<model>CMD;<ID>;02;<action>``: Reboot, StatusReq,
#: Enable<n>/Disable<n> output n) and "Suntech Universal Protocol" (``CMD;<ID>;<group>;<action>``,
#: 03;03 reset, 03;01 status request, 04;01..04;10 outputs), answered ``<model>CMD;Res;<ID>;..``
#: / ``RES;<ID>;...`` without a serial; /work/shared/protocols/suntech.md. None: built from the
#: parameters (output ``index``: 1-2 legacy, 1-3 Universal).
SUPPORTED_COMMANDS: dict[str, str | None] = {
    "rebootDevice": "reboot",
    "positionSingle": "positionSingle",
    "engineStop": "engineStop",
    "engineResume": "engineResume",
    "outputControl": None,
    "custom": None,  # text: the action after CMD;<ID>; (e.g. 03;01); hex: as is
}


def encode_typed_command(cmd: Command, device_id: str, *, now: datetime | None = None,
                         universal: bool = False, prefix: str = DEFAULT_PREFIX,
                         **_options: object) -> bytes:
    """The command in the dialect the device spoke on its connection (``universal``, and the
    legacy ``prefix`` of its last header; SuntechConnection keeps both)."""
    check_supported("suntech", cmd, SUPPORTED_COMMANDS)
    if cmd.type == "custom":
        raw = cmd.raw()
        if raw is not None:
            return raw
        text = cmd.text()
        _check_id(device_id)
        return (f"CMD;{device_id};{text}\r" if universal
                else f"{prefix}CMD;{device_id};{text}\r").encode("ascii")
    name = SUPPORTED_COMMANDS[cmd.type]
    if cmd.type == "outputControl":
        name = f"output{'On' if cmd.on() else 'Off'}{cmd.index(1, 3 if universal else 2)}"
    assert name is not None
    try:
        if universal:
            return encode_universal_command(device_id, name)
        return encode_legacy_command(device_id, name, prefix)
    except LocalProtocolError as exc:
        raise CommandError(str(exc)) from None


def answer_serial(cmd: Command, **_options: object) -> None:
    """Suntech answers carry no serial: they answer in order."""
    return None
