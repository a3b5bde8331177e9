"""Commands end to end in memory: encode_command -> the simulated device -> its answer bytes
-> our connection -> a CommandAnswer carrying the serial the command was sent with
(``registry.answer_serial``); hypothesis over the parameters and ids."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols import registry
from protocols._commands import Command, CommandReceived
from protocols._records import Fix

NOW = datetime(2025, 3, 5, 10, 20, 30, tzinfo=UTC)
FIX = Fix(time=datetime(2025, 3, 5, 10, 0, tzinfo=UTC), lat=54.6872, lon=25.2797, speed_kmh=36.0)

DEVICES = {
    "gt06": "864717003283581", "teltonika": "356307042441013", "jt808": "013912345678",
    "h02": "1234567890", "gps103": "861234567890123", "tk103": "123456789012",
    "meitrack": "353358017784062", "gl200": "860599000773978", "suntech": "205012345",
    "watch": "8800000015", "wialon": "123456789012345", "ruptela": "013226009991924",
    "galileo": "868204005544720",
}
#: the session facts the gateway keeps for commands, as the simulated devices speak
OPTIONS = {"suntech": {"universal": True}, "watch": {"manufacturer": "3G"},
           "gl200": {"password": "gl300"}}
#: (protocol, transport) pairs: Teltonika's Codec 12 over TCP and UDP
SESSIONS = [(p, "tcp") for p in DEVICES] + [("teltonika", "udp")]
#: commands the vendor documents no answer for (Coban), or whose answer is a report the
#: decoder cannot tell from a timed one (Meitrack's A10 -> AAA)
NO_ANSWER = {("gps103", t) for t in registry.supported_commands("gps103")} | {
    ("meitrack", "positionSingle")}


class Session:
    """A simulated device and our connection, past the login/handshake, one fix sent."""

    def __init__(self, protocol: str, transport: str) -> None:
        spec = registry.get(protocol)
        self.protocol, self.transport = protocol, transport
        self.device = spec.device(DEVICES[protocol], transport=transport)
        self.conn = spec.connection_for(transport)()
        hello = self.device.hello()
        if hello:
            self.device.receive_data(self._replies(hello))
        self.device.receive_data(self._replies(self.device.encode_fixes([FIX]).data))

    def _feed(self, data: bytes):
        if self.transport == "udp":
            return [self.conn.receive_frame(data, NOW)]
        return self.conn.feed(data, NOW)

    def _replies(self, data: bytes) -> bytes:
        return b"".join(d.reply or b"" for d in self._feed(data))

    def command(self, command: Command):
        """(what the device read, what our connection decoded from its answer)."""
        data = registry.encode_command(self.protocol, command, DEVICES[self.protocol], now=NOW,
                                       transport=self.transport, **OPTIONS.get(self.protocol, {}))
        received = [a for a in self.device.receive_data(data) if isinstance(a, CommandReceived)]
        assert len(received) == 1, (self.protocol, data)
        answer = received[0].answer
        decoded = self._feed(answer) if answer else []
        return received[0], [a for d in decoded for a in d.answers], decoded


def params_for(kind: str, protocol: str, draw) -> dict:
    if kind == "positionPeriodic":
        low, high, step = {"gt06": (10, 18000, 1), "h02": (10, 65535, 1), "watch": (10, 86400, 1),
                           "meitrack": (10, 655350, 10), "gps103": (1, 99, 1),
                           "tk103": (1, 0xFFFF, 1)}.get(protocol, (1, 86400, 1))
        value = draw(st.integers(low // step, high // step)) * step
        if protocol == "gps103":  # two digits and a unit
            value *= draw(st.sampled_from([1, 60, 3600]))
        return {"interval": value}
    if kind == "outputControl":
        high = {"teltonika": 4, "tk103": 1, "meitrack": 5, "suntech": 3, "wialon": 16,
                "ruptela": 4, "galileo": 7}[protocol]
        return {"index": draw(st.integers(0 if protocol == "galileo" else 1, high)),
                "on": draw(st.booleans())}
    if kind == "custom":
        custom = {"h02": "S17,1", "tk103": "AR0000000000", "meitrack": "A12,6", "gl200": "AT+GTRTO=gl300,8,,,,,,0001$",
                  "suntech": "03;01", "watch": "VERNO", "gt06": "STATUS#", "gps103": "160"}
        if protocol in custom:
            return {"data": custom[protocol]}
        alphabet = st.characters(min_codepoint=0x21, max_codepoint=0x7E,
                                 blacklist_characters="*#;[]()$,")
        return {"data": draw(st.text(alphabet, min_size=1, max_size=40))}
    return {}


CASES = [(p, tr, t) for p, tr in SESSIONS for t in registry.supported_commands(p)]


@pytest.mark.parametrize("protocol, transport, kind", CASES,
                         ids=[f"{p}-{tr}-{t}" for p, tr, t in CASES])
@settings(max_examples=8, deadline=None)
@given(data=st.data(), command_id=st.integers(0, 2**32 - 1))
def test_device_answers_and_we_link_the_answer(protocol, transport, kind, data, command_id):
    session = Session(protocol, transport)
    command = Command(type=kind, params=params_for(kind, protocol, data.draw), id=command_id)
    received, answers, _ = session.command(command)
    expected = registry.answer_serial(protocol, command, now=NOW)
    if (protocol, kind) in NO_ANSWER:
        assert answers == [] and expected is None
        return
    assert len(answers) == 1, (protocol, kind, received)
    (answer,) = answers
    assert answer.protocol == protocol
    assert answer.serial == expected
    assert answer.device_id == session.conn.device_id
    assert answer.ok is not False


def test_positions_asked_for_come_back_as_records():
    for protocol in ("jt808", "tk103", "meitrack", "gps103"):
        session = Session(protocol, "tcp")
        _, _, decoded = session.command(Command(type="positionSingle", id=5))
        positions = [p for d in decoded for p in d.positions]
        assert len(positions) == 1, protocol
        assert (round(positions[0].lat, 4), round(positions[0].lon, 4)) == (54.6872, 25.2797), protocol


def test_serials_in_flight_are_told_apart():
    """Two commands in flight on one session: each answer carries its own command's serial."""
    for protocol in ("gt06", "jt808", "gl200", "galileo", "meitrack"):
        session = Session(protocol, "tcp")
        kind = "custom" if protocol == "galileo" else "engineStop"
        params = {"data": "status"} if protocol == "galileo" else {}
        first = Command(type=kind, params=params, id=11)
        second = Command(type=kind, params=params, id=12)
        serials = [session.command(c)[1][0].serial for c in (first, second)]
        assert serials == [registry.answer_serial(protocol, c) for c in (first, second)], protocol
        assert serials[0] != serials[1], protocol


@pytest.mark.parametrize("protocol", sorted(set(DEVICES) - {"gps103"}))
def test_device_reads_a_command_split_anywhere(protocol):
    """The simulated device reads a command cut at any offset (gps103's commands carry no
    terminator: the device takes a whole write as one command)."""
    kind = registry.supported_commands(protocol)[0]
    params = {"custom": {"data": "status"}, "outputControl": {"index": 1, "on": True}}.get(kind, {})
    command = Command(type=kind, params=params, id=7)
    whole = Session(protocol, "tcp").command(command)[0]
    data = registry.encode_command(protocol, command, DEVICES[protocol], now=NOW,
                                   **OPTIONS.get(protocol, {}))
    for cut in range(1, len(data)):
        device = Session(protocol, "tcp").device
        got = device.receive_data(data[:cut]) + device.receive_data(data[cut:])
        received = [a for a in got if isinstance(a, CommandReceived)]
        assert [(r.command, r.answer[:8]) for r in received] == [
            (whole.command, whole.answer[:8])], (protocol, cut)
