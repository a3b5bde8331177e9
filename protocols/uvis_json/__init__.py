"""UVIS JSON over MQTT: the records' own JSON shape as a payload.

Wire format: one object or an array of objects per MQTT message, in the
shapes of ../shared/contracts/decode-cli.md: a POSITION (``fix_time``,
``lat``, ``lon``, ...) or an EVENT (``time``, ``type``). Times are ISO 8601
with a zone; ``protocol`` defaults to ``uvis-json``. Identity: the topic
(the gateway's subscription says which levels) or each object's
``device_id``. No framing and no resync: a message is whole or malformed.

``decode.decode_message`` (server side) and ``device.encode_position``
(device side, for the simulator and tests) are the format's two halves.
"""

from .decode import decode_message
from .device import encode_position

__all__ = ["decode_message", "encode_position"]
