"""OwnTracks JSON over MQTT (https://owntracks.org/booklet/tech/json/).

Wire format: one JSON object per MQTT message, topic
``owntracks/<user>/<device>``. ``_type: location`` is a fix: ``tst`` epoch
seconds UTC, ``lat``, ``lon``, ``alt`` m, ``vel`` km/h, ``cog`` degrees;
attributes ``accuracy`` (``acc``, m), ``batteryLevel`` (``batt``, %),
``charge`` (``bs`` 2 = charging). Other ``_type`` values (transition,
waypoint, lwt, card ...) carry no fix: no records. Identity comes from the
topic (the gateway's subscription says which levels) or the payload's
``tid``. No framing and no resync: a message is whole or malformed.

``decode.decode_message`` (server side) and ``device.encode_location``
(device side, for the simulator and tests) are the format's two halves.
"""

from .decode import decode_message
from .device import encode_location

__all__ = ["decode_message", "encode_location"]
