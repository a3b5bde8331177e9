"""TK103 answers to server commands: the vendor's answer words (the command word with ``A``
turned into ``B``), linked by the command word they answer (the protocol has no serial).

Source: "GPS Tracker TK103 Protocol" (scribd.com/document/444761215): AP00 one-time
locate -> BP04 with a position; AR00 continuous locating -> BS08; AV00 output (circuit)
control -> BV00 with the new state; AV01 oil/engine control -> BV01 with the new state;
AT00 restart -> BT00. BV00 with a 17-character body is a VIN report (Traccar), not an
answer; the records of the others (_catalogue.FIXED_COMMANDS "reply"/"position") stay.
"""

from __future__ import annotations

from .._commands import CommandAnswer
from .constants import PROTOCOL

__all__ = ["ANSWER_WORDS", "OUTPUT_ANSWER", "command_answer"]

#: answer word -> the command word it answers
ANSWER_WORDS: dict[str, str] = {"BP04": "AP00", "BS08": "AR00", "BV00": "AV00", "BV01": "AV01",
                                "BT00": "AT00"}
#: the output-control answer, which shares its word with the VIN report
OUTPUT_ANSWER = "BV00"
_STATES = {"0": "off", "1": "on"}
_MEANINGS = {"BS08": "continuous locating set", "BT00": "restarting"}


def command_answer(device_id: str, word: str, body: str, comma: bool) -> CommandAnswer | None:
    """The answer a fixed-form message carries, or None (not an answer word, or a VIN)."""
    command = ANSWER_WORDS.get(word)
    if command is None or comma or (word == "BV00" and len(body) > 1):
        return None
    if word in ("BV00", "BV01"):
        state = _STATES.get(body[:1])
        return CommandAnswer(protocol=PROTOCOL, device_id=device_id, serial=command,
                             reply_to=command, ok=state is not None, text=body or None,
                             meaning=f"{'output' if word == 'BV00' else 'engine'} {state}"
                             if state else None)
    if word == "BP04":
        return CommandAnswer(protocol=PROTOCOL, device_id=device_id, serial=command,
                             reply_to=command, ok=True, meaning="location")
    return CommandAnswer(protocol=PROTOCOL, device_id=device_id, serial=command,
                         reply_to=command, ok=True, text=body or None, meaning=_MEANINGS[word])
