"""Queclink @Track (GL200, GL300, GV300, GV350, GV500, CV200 ...), Traccar name ``gl200``, port 5004.

Wire format, two encodings on one port (TCP and UDP):

* Text: ``+RESP:GTxxx,<protocol version>,<IMEI>,<device name>,...,<send time>,<count>$``
  (``+BUFF`` for reports stored while offline, ``+ACK`` for command and heartbeat
  acknowledgements). Position blocks of 12 fields (accuracy, speed km/h,
  azimuth, altitude, longitude, latitude, GPS time, MCC, MNC, LAC, cell,
  reserved) repeat ``<number>`` times; fields around them depend on the report
  type and the model (device type = first two hex digits of the version).
* Binary: ``+RSP``/``+BSP``/``+EVT``/``+BVT``/``+INF``/``+HBD``/... headers with a
  big-endian length field; the newer ``2B 00 <length>`` record format.

The catalogue (report types with alarms, device-type models, HBM codes, GTINF
states, CAN / CAN-expansion / OBD / ERI mask bits, binary message types) is
data in ``_catalogue``; mask items it lacks are kept as ``io<n>`` and counted
in ``Decoded.unknown_items``. Accepted field forms: ``_fields``.

No checksum in either encoding. Replies: ``+SACK:GTHBD,<version>,<count>$`` to
heartbeats; ``+SACK:<count>$`` to every text message when the listener sets
``ConnectionOptions.extra["ack"]`` (the device's ack mode); none to binary.

Sources: shared/protocols/gl200.md (fact sheet); Queclink @Track air interface
protocol documents (GL300, GV200, GV300 application notes; qdc.queclinksz.com).

Resync policy: any ``+`` may start a message. Bytes before one are skipped
(blank lines silently, other bytes with a non-fatal ``MalformedError``), as is
a text message without a terminator within 4096 bytes or a binary header with
an impossible length. The stream is never closed by this protocol.
"""

from __future__ import annotations

from .._spec import ProtocolSpec
from .connection import Gl200Connection, Gl200UdpConnection
from .constants import DEFAULT_PORT, PROTOCOL
from .device import Gl200Device
from .framing import Gl200Framer

__all__ = ["SPEC", "Gl200Connection", "Gl200UdpConnection", "Gl200Device", "Gl200Framer"]

SPEC = ProtocolSpec(
    name=PROTOCOL,
    default_port=DEFAULT_PORT,
    transports=("tcp", "udp"),
    tcp_connection=Gl200Connection,
    udp_connection=Gl200UdpConnection,
    device=Gl200Device,
    summary="Queclink @Track text (+RESP/+BUFF/+ACK ... $) and binary (+RSP/+EVT ...) reports",
)
