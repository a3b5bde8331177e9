"""Ruptela wire constants: command IDs, fixed replies, sizes.

Vendor references: "Ruptela device protocol" v1.103 and "FM Pro, FM Eco & FM
Tco Protocols" v1.67 (fact sheet shared/protocols/ruptela.md). FM-Eco/Pro/Tco
and Trace send command 1 records; HCV and newer firmwares send command 68
(extended records: 2-byte event and IO IDs, merged records).
"""

from __future__ import annotations

from datetime import datetime, timezone

from ._catalogue import Command

__all__ = ["Command", "PROTOCOL", "MAX_FRAME_SIZE", "HEADER_SIZE", "MIN_PAYLOAD",
           "REPLY_OFFSET", "STATUS_COMMANDS", "RECORDS_ACK_COMMAND", "ACK_ACCEPTED", "NO_FIX", "UNIX_EPOCH", "TEXT_COMMANDS"]

PROTOCOL = "ruptela"


#: text answers whose data is ASCII (``result``)
TEXT_COMMANDS = frozenset({Command.CONFIGURATION, Command.VERSION, Command.FIRMWARE,
                           Command.SMS_VIA_GPRS_RESPONSE, Command.SMS_VIA_GPRS})
#: answers whose first data byte is a status (``result`` as a decimal string)
STATUS_COMMANDS = frozenset({Command.SET_IO, Command.SET_CONNECTION, Command.SET_ODOMETER})

#: a server packet's command is 100 + the request's command
REPLY_OFFSET = 100
#: the command of the acknowledgement of records (1 and 68)
RECORDS_ACK_COMMAND = 100
#: data byte of an acknowledgement: accepted
ACK_ACCEPTED = 0x01

#: largest frame accepted: length (2) + payload + CRC (2)
MAX_FRAME_SIZE = 1024
#: length (2) + CRC (2)
HEADER_SIZE = 4
#: IMEI (8) + command (1)
MIN_PAYLOAD = 9

#: longitude and latitude of a record without a fix
NO_FIX = -0x80000000

UNIX_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
