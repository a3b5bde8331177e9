"""Messages without a location: command results, parameters, driver, CAN, media ...

Layouts from JT/T 808-2019 (0x0001, 0x0104, 0x0107, 0x0108, 0x0301-0x0303,
0x0700-0x0705, 0x0805, 0x0A00), JT/T 1078-2016 (0x1005) and the vendor
messages of shared/protocols/jt808.md (0x1300, 0x6006). A message of the
MESSAGES table without its own layout becomes an event of its type carrying
the body as hex (bodies up to 256 bytes) or its size.
"""

from __future__ import annotations

from typing import Callable

from .._commands import CommandAnswer
from ._context import Context, Records, event
from .constants import MESSAGES, RESULT_CODES

__all__ = ["ANSWERS", "MESSAGE_DECODERS", "PARAMETERS", "command_answer", "decode_heartbeat"]


def _u(data: bytes) -> int:
    return int.from_bytes(data, "big")


def _text(data: bytes, encoding: str = "latin-1") -> str:
    return data.split(b"\x00", 1)[0].decode(encoding, "replace").strip()


def decode_terminal_response(body: bytes, ctx: Context) -> Records:
    """0x0001: reply serial u16, reply id u16, result (0 ok, 1 failed, 2 bad, 3 unsupported)."""
    attrs = {"replySerial": _u(body[0:2]), "replyId": _u(body[2:4])}
    if len(body) >= 5:
        attrs["result"] = RESULT_CODES.get(body[4], str(body[4]))
    return event(ctx, "commandResult", attrs)


#: device messages that answer a server command: 0x0001 general response (reply serial, reply
#: id, result), 0x0201 position query response and 0x0500 vehicle control response (reply
#: serial, location)
ANSWERS = frozenset({0x0001, 0x0201, 0x0500})
_ANSWERED = {0x0201: 0x8201, 0x0500: 0x8500}


def command_answer(msg_id: int, body: bytes, device_id: str) -> tuple[CommandAnswer, ...]:
    """The answer a 0x0001 / 0x0201 / 0x0500 message carries, linked by its reply serial."""
    if len(body) < 2:
        return ()
    serial = _u(body[0:2])
    if msg_id != 0x0001:
        return (CommandAnswer(protocol="jt808", device_id=device_id, serial=serial,
                              reply_to=f"0x{_ANSWERED[msg_id]:04X}", ok=True, hex=body.hex(),
                              meaning="location"),)
    if len(body) < 5:
        return ()
    result = body[4]
    return (CommandAnswer(protocol="jt808", device_id=device_id, serial=serial,
                          reply_to=f"0x{_u(body[2:4]):04X}", ok=result == 0, hex=body.hex(),
                          meaning=RESULT_CODES.get(result, str(result))),)


def decode_heartbeat(body: bytes, ctx: Context) -> Records:
    """0x0002: empty in the standard; vendors add battery level, RSSI [, status]."""
    if len(body) < 2:
        return (), ()
    attrs = {"batteryLevel": body[0], "rssi": body[1]}
    if len(body) >= 3:
        attrs["status"] = body[2]
    return event(ctx, "status", attrs)


#: 0x0104 parameter id -> (Traccar/our key, "u" number, "s" text, "o" odometer 0.1 km -> m);
#: JT/T 808-2019 table 12 (ids not listed are kept as param<id>)
PARAMETERS: dict[int, tuple[str, str]] = {
    0x0001: ("heartbeatInterval", "u"), 0x0002: ("tcpTimeout", "u"), 0x0003: ("tcpRetries", "u"),
    0x0004: ("udpTimeout", "u"), 0x0005: ("udpRetries", "u"), 0x0006: ("smsTimeout", "u"),
    0x0007: ("smsRetries", "u"), 0x0010: ("apn", "s"), 0x0011: ("apnUser", "s"),
    0x0012: ("apnPassword", "s"), 0x0013: ("server", "s"), 0x0014: ("backupApn", "s"),
    0x0017: ("backupServer", "s"), 0x0018: ("port", "u"), 0x0019: ("udpPort", "u"),
    0x0020: ("reportStrategy", "u"), 0x0021: ("reportScheme", "u"),
    0x0022: ("driverAbsentReportInterval", "u"), 0x0027: ("sleepReportInterval", "u"),
    0x0028: ("emergencyReportInterval", "u"), 0x0029: ("defaultReportInterval", "u"),
    0x002C: ("defaultReportDistance", "u"), 0x0030: ("turnAngle", "u"),
    0x0031: ("geofenceRadius", "u"), 0x0040: ("platformPhone", "s"), 0x0050: ("alarmMask", "u"),
    0x0055: ("overspeedThreshold", "u"), 0x0056: ("speedLimitDuration", "u"),
    0x0057: ("continuousDrivingLimit", "u"), 0x0058: ("dailyDrivingLimit", "u"),
    0x0059: ("minimumRest", "u"), 0x005A: ("maximumParking", "u"), 0x0080: ("odometer", "o"),
    0x0081: ("province", "u"), 0x0082: ("city", "u"), 0x0083: ("plateNumber", "s"),
    0x0084: ("plateColor", "u"),
}


def decode_parameters(body: bytes, ctx: Context) -> Records:
    """0x0104: reply serial u16, count u8, [id u32, len u8, value]."""
    attrs: dict = {}
    i = 3
    while i + 5 <= len(body):
        pid, size = _u(body[i:i + 4]), body[i + 4]
        value = body[i + 5:i + 5 + size]
        i += 5 + size
        key, kind = PARAMETERS.get(pid, (f"param{pid}", "u" if size in (1, 2, 4) else "s"))
        if kind == "s":
            attrs[key] = _text(value, "gbk")
        else:
            attrs[key] = _u(value) * (100 if kind == "o" else 1)
        if pid not in PARAMETERS and ctx.tally is not None:
            ctx.tally.unknown += 1
    return event(ctx, "parameters", attrs)


def decode_attributes(body: bytes, ctx: Context) -> Records:
    """0x0107: type u16, maker (5), model (20; 30 in 2019), terminal id (7; 30 in 2019),
    ICCID (10 BCD), hardware and firmware versions (length-prefixed)."""
    attrs: dict = {}
    for iccid_at in (34, 62):
        if len(body) >= iccid_at + 11 and iccid_at + 11 + body[iccid_at + 10] <= len(body):
            break
    attrs["iccid"] = body[iccid_at:iccid_at + 10].hex()
    i = iccid_at + 10
    for key in ("hardwareVersion", "firmwareVersion"):
        if i < len(body):
            size = body[i]
            text = _text(body[i + 1:i + 1 + size])
            if text:
                attrs[key] = text
            i += 1 + size
    return event(ctx, "status", attrs)


def decode_driver(body: bytes, ctx: Context) -> Records:
    """0x0702: status (1 card in, 2 out), BCD time, IC result, name (len-prefixed),
    certificate (20), agency (len-prefixed), validity (4 BCD)."""
    attrs: dict = {"cardStatus": body[0]}
    if len(body) >= 9:
        attrs["cardResult"] = body[7]
        size = body[8]
        attrs["driver"] = _text(body[9:9 + size])
        i = 9 + size
        attrs["cardCode"] = _text(body[i:i + 20])
        if i + 20 < len(body):
            size = body[i + 20]
            attrs["cardAgency"] = _text(body[i + 21:i + 21 + size])
            attrs["cardValidity"] = body[i + 21 + size:i + 25 + size].hex()
    return event(ctx, "driver", attrs)


def decode_waybill(body: bytes, ctx: Context) -> Records:
    """0x0701: length u32, content (a text command result on many terminals)."""
    return event(ctx, "commandResult", {"result": _text(body[4:4 + _u(body[0:4])])})


def decode_text_report(body: bytes, ctx: Context) -> Records:
    """0x6006: encoding byte, GBK text."""
    return event(ctx, "commandResult", {"result": body[1:].decode("gbk", "replace")})


def decode_command_result(body: bytes, ctx: Context) -> Records:
    """0x1300: reply serial u16, then UTF-16BE text."""
    text = body[2:].decode("utf-16-be", "replace").strip("\x00\r\n\t ")
    return event(ctx, "commandResult", {"result": text})


def decode_can(body: bytes, ctx: Context) -> Records:
    """0x0705: count u16, receive time (hh mm ss ms u16, BCD), [CAN id u32, data (8)]."""
    attrs: dict = {}
    for i in range(7, len(body) - 11, 12):
        can_id = _u(body[i:i + 4])
        attrs[f"can{can_id & 0x1FFFFFFF:X}"] = body[i + 4:i + 12].hex()
    return event(ctx, "canData", attrs)


def decode_camera_response(body: bytes, ctx: Context) -> Records:
    """0x0805: reply serial u16, result, count u16, media ids u32."""
    ids = [str(_u(body[i:i + 4])) for i in range(5, len(body) - 3, 4)]
    attrs = {"result": RESULT_CODES.get(body[2], str(body[2])), "mediaIds": ",".join(ids)}
    return event(ctx, "media", attrs)


def decode_passenger_flow(body: bytes, ctx: Context) -> Records:
    """0x1005 (JT/T 1078): start, end (BCD times), boarding u16, alighting u16."""
    return event(ctx, "passengerFlow", {"passengersIn": _u(body[12:14]),
                                        "passengersOut": _u(body[14:16])})


def _small(kind: str, *fields: str) -> Callable[[bytes, Context], Records]:
    """A message of a few single-byte/u16 fields (field 'u16:name' reads two bytes)."""
    def decode(body: bytes, ctx: Context) -> Records:
        attrs, i = {}, 0
        for field in fields:
            size, name = (2, field[4:]) if field.startswith("u16:") else (1, field)
            attrs[name] = _u(body[i:i + size])
            i += size
        return event(ctx, kind, attrs)
    return decode


def _generic(msg_id: int) -> Callable[[bytes, Context], Records]:
    kind = MESSAGES[msg_id][0]

    def decode(body: bytes, ctx: Context) -> Records:
        attrs = {"messageType": msg_id}
        if len(body) <= 256:
            attrs["data"] = body.hex()
        else:
            attrs["size"] = len(body)
        return event(ctx, kind, attrs)
    return decode


MESSAGE_DECODERS: dict[int, Callable[[bytes, Context], Records]] = {
    0x0001: decode_terminal_response, 0x0104: decode_parameters, 0x0107: decode_attributes,
    0x0108: _small("commandResult", "upgradeType", "upgradeResult"),
    0x0301: _small("event", "event"), 0x0302: _small("answer", "u16:answerSerial", "answer"),
    0x0303: _small("infoDemand", "infoType", "infoFlag"),
    0x0701: decode_waybill, 0x0702: decode_driver, 0x0705: decode_can,
    0x0805: decode_camera_response, 0x1005: decode_passenger_flow, 0x1300: decode_command_result,
    0x6006: decode_text_report,
}
for _id in (0x0005, 0x0310, 0x0608, 0x0700, 0x0901, 0x0A00, 0x1003, 0x1205, 0x1206, 0x1210,
            0x1211, 0x1212):
    MESSAGE_DECODERS[_id] = _generic(_id)
