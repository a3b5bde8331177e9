"""What each `run --workers N` process is given."""

from gateway.settings import load_settings
from gateway.runtime.workers import worker_settings


def test_api_and_mqtt_on_worker_zero_only_and_a_spool_each(tmp_path) -> None:
    settings = load_settings(env={}, overrides={
        "data_dir": str(tmp_path), "mqtt": {"brokers": [{"url": "mqtt://127.0.0.1:1883",
                                                          "subscriptions": [{"filter": "t/+",
                                                                             "format": "owntracks"}]}]}})
    first = worker_settings(settings, 0, "postgresql://db/uvis")
    second = worker_settings(settings, 1, "postgresql://db/uvis")
    assert (first.api_enabled, second.api_enabled) == (True, False)
    assert len(first.mqtt.brokers) == 1 and second.mqtt.brokers == ()
    assert first.database_url == second.database_url == "postgresql://db/uvis"
    assert (first.spool_dir, second.spool_dir) == (str(tmp_path / "spool" / "worker-0"),
                                                   str(tmp_path / "spool" / "worker-1"))
