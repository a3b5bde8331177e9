"""Server -> device: Suntech commands (CR-terminated ASCII).

Suntech servers send no reply to reports (the vendor's UDP ACK is not used on
TCP). Commands: legacy ``<prefix>CMD;<ID>;02;<action>`` where the prefix is the
model part of the last legacy header seen (``SA200`` by default); Universal
``CMD;<ID>;<group>;<action>`` after any Universal or binary report.
"""

from __future__ import annotations

from .._errors import LocalProtocolError

__all__ = ["encode_legacy_command", "encode_universal_command", "LEGACY_ACTIONS",
           "UNIVERSAL_ACTIONS", "DEFAULT_PREFIX"]

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
