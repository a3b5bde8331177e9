"""The Xexun (TK102 / TK103 / TK201 text reports) catalogue, as data.

Sources (read for facts, not translated):
  * "GPRS communication protocol for tk102, tk201, tk206, tk103" (vendor
    document, scribd 240932383; summarised in shared/protocols/xexun.md):
    ``<serial>,<phone>,GPRMC,...*hh,<F|L>,<event>,imei:<IMEI>,<sats>,<altitude>,
    <F|L>:<volts>V[/ADC1=..V/ADC2=..V],<charging>,<..>,<..>,<MCC>,<MNC>,<LAC>,<CID>``.
  * Traccar ``XexunProtocolDecoder`` (traccar/traccar, src/main): the event
    texts it recognises and their keys (``ignition``, ``alarm``), ``signal``,
    ``serial``, ``number``, ``sat``, ``power``.

Event texts outside ``EVENTS`` are kept as ``event`` (the text) and tail
columns outside ``TAIL_COLUMNS`` as ``io<column>``; both count in
``Decoded.unknown_items``.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["EVENTS", "SIGNALS", "Column", "HEAD_COLUMNS", "TAIL_COLUMNS", "ADC_KEYS"]

#: event text (lowercased, trimmed) -> attributes it sets
EVENTS: dict[str, dict[str, object]] = {
    "acc on": {"ignition": True},
    "accstart": {"ignition": True},
    "acc off": {"ignition": False},
    "accstop": {"ignition": False},
    "help me": {"alarm": "sos"},
    "help me!": {"alarm": "sos"},
    "low battery": {"alarm": "lowBattery"},
    "move!": {"alarm": "movement"},
    "moved!": {"alarm": "movement"},
}

#: GPS signal letter after the RMC checksum -> ``signal`` (F full / good, L low)
SIGNALS = frozenset(("F", "L"))


class Column(NamedTuple):
    index: int
    name: str
    key: str | None     # attribute key or Position field; None: read, not kept
    unit: str | None


#: before the RMC part (whole lines only)
HEAD_COLUMNS: tuple[Column, ...] = (
    Column(0, "serial", "serial", "yyMMddHHmmss (send time, kept as text)"),
    Column(1, "phone", "number", "authorised number (text)"),
)
#: after ``imei:<IMEI>`` (whole lines only), by position after the IMEI
TAIL_COLUMNS: tuple[Column, ...] = (
    Column(0, "satellites", "satellites", None),
    Column(1, "altitude", "altitude_m", "m (may be negative or empty)"),
    Column(2, "power", "power", "V, written <F|L>:<volts>V[/ADC1=<V>V/ADC2=<V>V]"),
    Column(3, "charging", "charge", "1 = charging"),
    Column(6, "MCC", None, "cell: Traccar keeps it in the network, not an attribute"),
    Column(7, "MNC", None, "cell"),
    Column(8, "LAC", None, "cell (hex)"),
    Column(9, "CID", None, "cell (hex)"),
)
#: ``/ADC<n>=<volts>V`` parts of the power column
ADC_KEYS = {"ADC1": "adc1", "ADC2": "adc2"}
