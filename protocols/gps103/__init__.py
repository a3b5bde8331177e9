"""GPS103: the Coban / TK103-2 ``imei:`` text protocol over TCP and UDP (Traccar's ``gps103``).

Wire format: ASCII messages ended by ``;`` (also ``\\r\\n``/``\\n``; ``*`` ends
the "alternative" report and is kept). No checksum.

- login ``##,imei:<IMEI>,A;`` (any message of at most 30 characters holding
  ``imei:``) -> ``Decoded(login=IMEI)``, reply ``LOAD`` at once;
- heartbeat ``<IMEI>;`` (a message starting with a digit) -> reply ``ON`` at
  once; when ``imei:`` follows the bare id, the rest is decoded as a report;
- report ``imei:<IMEI>,<keyword>,<local yyMMddHHmm[ss]>,<phone|RFID>,<F|L>,
  <UTC hhmmss[.sss]>,<A|V>,<lat ddmm.mmmm>,<N|S>,<lon dddmm.mmmm>,<E|W>,
  <speed kn>,<course>[,<alt>,<acc>,<door>,<fuel1 %>,<fuel2 %>,<temp>]``:
  a Position whose fix time is UTC (local date, hour and minute, UTC seconds,
  minus the local-minus-UTC offset of the two hh:mm values, in (-11 h, +13 h]);
  speed is knots on the wire (``speed_kmh`` = knots x 1.852). Keywords give
  ``alarm`` (``help me`` sos, ``low battery``, ``stockade``, ``move``, ``speed``,
  ``door alarm``, ``ac alarm``, ``accident alarm``, ``sensor alarm``, ``bonnet
  alarm``, ``footbrake alarm``, ``DTC``, ``T:...`` temperature), ``ignition``
  (``acc on``/``acc off``), ``fuel`` (``oil <level>``), ``driverUniqueId``
  (``rfid``). ``L`` reports (no fix, LAC/CID in hex) become an Event
  (``alarm``, ``network`` or ``status``) stamped with the server's ``now``: no
  UTC reference exists to convert their local time, and no location is invented;
- ``OBD`` reports -> a ``status`` Event (odometer, fuelConsumption, fuelAverage,
  hours in ms, obdSpeed, engineLoad, coolantTemp, throttle, rpm, battery, dtcs),
  stamped with ``now`` for the same reason;
- alternative report (ends with ``*``): decimal degrees, speed in km/h, UTC;
- photo chunks ``imei:<IMEI>,vr,<hex>`` yield nothing; other messages become
  an ``UnknownMessage``.

Catalogue (``_catalogue.py``): keywords (alarms, ignition, ``T:`` -> alarm +
``temp1``, ``oil`` -> ``fuelLeak`` + ``fuel``), the regular, OBD and
alternative columns. A keyword the catalogue lacks is kept as ``event``
(Traccar's key) and counted in ``Decoded.unknown_items``, as are fields past
the last column (``io<index>``). Accepted forms: local time ``yyMMddHHmm[ss]``
also with ``/``, blank and ``:`` (``24/03/05 14:30``); no usable local date ->
the UTC time on ``now``'s date; hemisphere letters before or after the
number, an empty E/W field.

Replies: ``LOAD`` (login), ``ON`` (heartbeat), both immediate;
``**,imei:<IMEI>,E;`` after an SOS (``help me``) report, deferred until its
record is committed. Other reports get no reply. Identity: the login, the
heartbeat id or each report's own ``imei:`` field (a new id sets ``login``).

Resync policy: per message. A bad message raises a non-fatal ``ProtocolError``
and decoding goes on with the next one; a message longer than 8192 bytes is
skipped up to its delimiter. The stream is never closed by this protocol.

Sources: fact sheet shared/protocols/gps103.md (a reading of Traccar's
Gps103 decoder/encoder), Coban TK103-2 GPRS protocol notes.
"""

from __future__ import annotations

from .._spec import ProtocolSpec
from .connection import Gps103Connection, Gps103UdpConnection
from .constants import DEFAULT_PORT, PROTOCOL
from .device import Gps103Device
from .framing import Gps103Framer

__all__ = ["SPEC", "Gps103Connection", "Gps103UdpConnection", "Gps103Device", "Gps103Framer"]

SPEC = ProtocolSpec(
    name=PROTOCOL,
    default_port=DEFAULT_PORT,
    transports=("tcp", "udp"),
    tcp_connection=Gps103Connection,
    udp_connection=Gps103UdpConnection,
    device=Gps103Device,
    summary="GPS103 / Coban TK103-2 'imei:' text reports (login LOAD, heartbeat ON)",
)
