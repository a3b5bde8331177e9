"""Suntech (SA200, ST300/340/390, ST500/600, ST410/419, ST910/940, Universal ST4300/4500).

Wire format (fact sheet shared/protocols/suntech.md; ST300/340 and ST310U
operation manuals): four encodings on one TCP port.

- Legacy ASCII ``<MODEL><TYPE>;ID;...`` (``ST300STT``, ``SA200EMG``, ``ST600UEX``,
  ``SA200ALV`` keep-alive, ``ST300CMD;Res`` command answers), ST410/419 with
  seven cells, ST910/940 ``ST910;<Location|Emergency|Alert>;...``; optional
  columns (model, cell, MCC/MNC/LAC/RX, SW, hour meter/backup battery/driver/
  temperature extras) recognised by shape, or by position when the listener
  sets ``hbm``/``includeAdc``/``includeRpm``/``includeTemp`` in
  ``ConnectionOptions.extra``.
- Universal ASCII ``STT|ALT|UEX|BLE|RES|ALV;ID;HDR_MASK;...`` (fields per mask bit).
- Universal binary ``81``/``82 | length | ID (BCD) | mask | ...``.
- Zip ``02 | length | 10 | ID | ... | 03``.

Catalogue (``_catalogue.py``, sources named there): report types, 50 alert
ids and 8 emergency ids with their Traccar alarms, legacy/extra/Universal/
binary columns, zip report types, UEX items. Every report records ``type``
and ``versionFw``; alert ids are kept as ``alertId``; ids outside the tables,
leftover Universal columns and extra I/O characters are kept and counted in
``Decoded.unknown_items``. Universal mask bit 0 stands for the device id
(bit 1 = model). A report with an empty id column belongs to the session.

Dates are UTC (``YYYYMMDD`` or ``YYMMDD``; ``HH:MM:SS`` or ``HHMMSS``);
coordinates signed decimal degrees; speed km/h. Every report
carries the device id (legacy 9 digits, SA200/ST9xx 6, Universal 10, binary
BCD): the first report of a session (and any change of id) sets
``Decoded.login``. No checksum to verify (UEX's 8-bit sum is skipped).

Replies: none; keep-alives and reports are not acknowledged on TCP (Traccar
does the same). ``SuntechConnection.encode_command`` builds commands in the
dialect the device spoke (legacy ``<prefix>CMD;ID;02;...`` or Universal
``CMD;ID;..``).

Resync policy: see ``framing``: ASCII reports are cut at CR (a CR followed by
LF is payload); an over-long report is skipped up to the next CR (non-fatal);
a binary length beyond 1024 bytes closes the stream (``FramingError``). A bad
report raises a non-fatal ``MalformedError`` and decoding goes on.
"""

from __future__ import annotations

from .._spec import ProtocolSpec
from .connection import SuntechConnection
from .constants import DEFAULT_PORT, PROTOCOL
from .device import SuntechDevice
from .framing import SuntechFramer

__all__ = ["SPEC", "SuntechConnection", "SuntechDevice", "SuntechFramer"]

SPEC = ProtocolSpec(
    name=PROTOCOL,
    default_port=DEFAULT_PORT,
    transports=("tcp",),
    tcp_connection=SuntechConnection,
    udp_connection=None,
    device=SuntechDevice,
    summary="Suntech ST300/ST600/ST4300...: legacy and Universal ASCII, Universal binary, zip",
)
