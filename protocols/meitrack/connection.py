"""Meitrack sessions over TCP (length-framed stream) and UDP (one frame per datagram).

Every frame carries the IMEI: the first frame of a session (and any change)
sets ``Decoded.login``. Replies that confirm records (CCC, AFF) are deferred
until the records are committed; AAC and photo requests go at once.
"""

from __future__ import annotations

from datetime import datetime

from .._connection import DEFAULT_OPTIONS, ConnectionOptions, StreamConnection
from .._errors import ChecksumError
from .._records import Decoded
from ._frame import split_frame
from .constants import ADC_SCALES, DEFAULT_ADC_SCALE, MAX_FRAME, PROTOCOL
from .decode import command_answer, decode_result
from .framing import MeitrackFramer

__all__ = ["MeitrackConnection", "MeitrackUdpConnection"]


class _MeitrackSession:
    protocol = PROTOCOL
    device_id: str | None
    options: ConnectionOptions

    def _init_session(self, options: ConnectionOptions) -> None:
        model = options.extra.get("model")
        self.set_model(str(model) if model else None)

    def set_model(self, model: str | None) -> None:
        """Set (or clear, with None) the device's configured model: its ADC scale
        (constants.ADC_SCALES; other and unknown models: 1/100 V) for later frames."""
        self._scale = ADC_SCALES.get(model.upper(), DEFAULT_ADC_SCALE) if model else DEFAULT_ADC_SCALE

    def decode_frame(self, data: bytes, now: datetime) -> Decoded:
        frame = split_frame(data)
        checksum_ok = frame.checksum_ok is True
        if not checksum_ok and self.options.strict_checksum:
            raise ChecksumError("meitrack: checksum missing or wrong", data=data)
        login = None
        if frame.imei != self.device_id:
            self.device_id = login = frame.imei
        result = decode_result(frame, now, self._scale)
        has_records = bool(result.positions or result.events)
        return Decoded(positions=result.positions, events=result.events, reply=result.reply,
                       defer_reply=has_records and result.reply is not None, login=login,
                       checksum_ok=checksum_ok, unknown_items=result.unknown_items,
                       answers=command_answer(frame))


class MeitrackConnection(_MeitrackSession, StreamConnection):
    def __init__(self, *, device_id: str | None = None,
                 options: ConnectionOptions = DEFAULT_OPTIONS) -> None:
        StreamConnection.__init__(self, MeitrackFramer(min(options.max_frame_size, MAX_FRAME)),
                                  device_id=device_id, options=options, protocol=PROTOCOL)
        self._init_session(options)

    def receive_frame(self, frame: bytes, now: datetime) -> Decoded:
        return self.decode_frame(frame, now)


class MeitrackUdpConnection(_MeitrackSession):
    def __init__(self, *, device_id: str | None = None,
                 options: ConnectionOptions = DEFAULT_OPTIONS) -> None:
        self.device_id = device_id
        self.options = options
        self._init_session(options)

    def receive_frame(self, datagram: bytes, now: datetime) -> Decoded:
        return self.decode_frame(datagram, now)
