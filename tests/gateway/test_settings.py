"""Settings precedence (defaults < TOML < UVIS_* < flags) and clear errors."""

from __future__ import annotations

import pytest

from gateway.settings import ListenerSettings, Settings, SettingsError, default_listeners, load_settings


def test_defaults_listen_on_traccars_ports() -> None:
    s = load_settings(env={})
    ports = {(l.protocol, l.transport): l.port for l in s.listeners}
    traccar = {  # shared/conformance/traccar/README.md: port and servers
        "gt06": (5023, "tcp"), "teltonika": (5027, "tcp+udp"), "h02": (5013, "tcp+udp"),
        "gps103": (5001, "tcp+udp"), "tk103": (5002, "tcp+udp"), "jt808": (5015, "tcp"),
        "meitrack": (5020, "tcp+udp"), "gl200": (5004, "tcp+udp"), "suntech": (5011, "tcp"),
        "ruptela": (5046, "tcp"), "osmand": (5055, "http"), "watch": (5093, "tcp"),
        "nmea": (5005, "tcp+udp"), "xexun": (5006, "tcp"), "gt02": (5022, "tcp"),
        "galileo": (5034, "tcp"), "wialon": (5039, "tcp+udp"), "totem": (5007, "tcp"),
        "gps056": (5141, "tcp"),
    }
    assert ports == {(name, transport): port for name, (port, servers) in traccar.items()
                     for transport in servers.split("+")}
    assert s.database_url is None and s.data_dir == "./uvis-data" and s.api_port == 8080
    assert s.register_unknown_devices is True


def test_file_then_environment_then_flags(tmp_path) -> None:
    config = tmp_path / "uvis.toml"
    config.write_text('api_port = 9000\ndata_dir = "/from/file"\nbatch_max_rows = 100\n'
                      '[[listeners]]\nprotocol = "t55"\ntransport = "udp"\nport = 6000\n')
    s = load_settings(config, env={"UVIS_API_PORT": "9100", "UVIS_DATABASE_URL": "postgresql://env/db"},
                      overrides={"api_port": 9200, "data_dir": None})
    assert s.api_port == 9200                      # flag beats environment and file
    assert s.database_url == "postgresql://env/db"  # environment beats default
    assert s.data_dir == "/from/file"              # an unset flag does not override
    assert s.batch_max_rows == 100
    assert s.listeners == (ListenerSettings(protocol="t55", transport="udp", port=6000),)


@pytest.mark.parametrize("text, message", [
    ("api_prot = 1\n", "api_prot"),
    ('api_port = "x"\n', "api_port"),
    ('[[listeners]]\nprotocol = "nosuch"\nport = 1\n', "listeners[0].protocol"),
    ('[[listeners]]\nprotocol = "gt06"\ntransport = "udp"\nport = 1\n', "listeners[0].transport"),
    ('[[listeners]]\nprotocol = "gt06"\nport = 1\nbogus = 2\n', "bogus"),
    ('queue_low_water = 10\nqueue_high_water = 5\n', "queue_low_water"),
    ('[api]\njwt_jwks = "/etc/jwks.json"\njwt_jwks_ca = "/etc/ca.pem"\n', "api.jwt_jwks_ca"),
    ('[api]\ntls_cert = "/etc/api.crt"\n', "api.tls_cert"),
    ('[[listeners]]\nprotocol = "h02"\nport = 1\nmodel = "LW4G"\n',
     "listeners[0].model: the meanings of h02 do not depend on the device model (models matter "
     "to gt06, meitrack)"),
    ('device_model_ttl = -1\n', "device_model_ttl"),
])
def test_unknown_or_invalid_option_names_it(tmp_path, text: str, message: str) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(text)
    with pytest.raises(SettingsError) as info:
        load_settings(config, env={})
    assert message in str(info.value)


def test_default_listeners_offset() -> None:
    assert [l.port for l in default_listeners(port_offset=10000)][:5] == [15023, 15027, 15027, 15005, 15005]
    assert Settings().listeners == ()  # filled in by load_settings


def test_listener_model(tmp_path) -> None:
    config = tmp_path / "models.toml"
    config.write_text('[[listeners]]\nprotocol = "gt06"\nport = 1\nmodel = "LW4G"\n'
                      '[[listeners]]\nprotocol = "meitrack"\ntransport = "udp"\nport = 2\n')
    settings = load_settings(config, env={})
    assert [(l.protocol, l.model) for l in settings.listeners] == [("gt06", "LW4G"), ("meitrack", "")]
    assert settings.device_model_ttl == 60.0
