"""Writes dashboards/uvis-gateway.json (run: python3 deploy/grafana/make_dashboard.py).

The dashboard is generated so that its panels stay regular; edit here, not the JSON.
"""

import json
from pathlib import Path

DS = {"type": "prometheus", "uid": "uvis-prometheus"}
SEL = 'job="uvis-gateway", instance=~"$instance"'
SELP = SEL + ', protocol=~"$protocol"'
W = "$__rate_interval"

# (title, unit, [(expr, legend)], description)
ROWS = [
    ("Devices", [
        ("Open connections per protocol", "short",
         [(f"sum by (protocol, transport) (uvis_connections_open{{{SELP}}})", "{{protocol}}/{{transport}}")],
         "Device TCP connections open now (uvis_connections_open)."),
        ("New connections /s", "cps",
         [(f"sum by (protocol) (rate(uvis_connections_total{{{SELP}}}[{W}]))", "{{protocol}}"),
          (f"sum(rate(uvis_devices_rejected_total{{{SELP}}}[{W}]))", "refused by the allow-list")],
         "Accepted connections per second; logins refused by the allow-list."),
    ]),
    ("Traffic", [
        ("Frames /s per protocol", "short",
         [(f"sum by (protocol) (rate(uvis_frames_total{{{SELP}}}[{W}]))", "{{protocol}}")],
         "Frames decoded per second."),
        ("Positions /s per protocol", "short",
         [(f"sum by (protocol) (rate(uvis_positions_total{{{SELP}}}[{W}]))", "{{protocol}} decoded"),
          (f"sum(rate(uvis_stored_positions_total{{{SEL}}}[{W}]))", "stored (all)"),
          (f"sum(rate(uvis_duplicates_total{{{SEL}}}[{W}]))", "duplicates absorbed")],
         "Positions decoded per protocol, committed to the database, and resends absorbed as duplicates."),
        ("Decode errors /s", "short",
         [(f"sum by (protocol) (rate(uvis_decode_errors_total{{{SELP}}}[{W}]))", "{{protocol}} errors"),
          (f"sum by (protocol) (rate(uvis_checksum_mismatches_total{{{SELP}}}[{W}]))", "{{protocol}} bad checksum"),
          (f"sum by (protocol) (rate(uvis_unknown_messages_total{{{SELP}}}[{W}]))", "{{protocol}} unknown type"),
          (f"sum(rate(uvis_proxy_header_errors_total{{{SELP}}}[{W}]))", "bad PROXY header")],
         "Frames that failed to decode (kept in raw_frames), checksum mismatches, unknown message types."),
        ("Decode error ratio", "percentunit",
         [(f"sum by (protocol) (rate(uvis_decode_errors_total{{{SELP}}}[{W}])) / "
           f"(sum by (protocol) (rate(uvis_frames_total{{{SELP}}}[{W}])) + "
           f"sum by (protocol) (rate(uvis_decode_errors_total{{{SELP}}}[{W}])))", "{{protocol}}")],
         "Share of frames that failed to decode (alert UvisDecodeErrorRatioHigh above 5 %)."),
    ]),
    ("Latency", [
        ("ACK latency (submit to ACK sent)", "s",
         [(f"histogram_quantile({q}, sum by (le) (rate(uvis_ack_latency_seconds_bucket{{{SELP}}}[{W}])))", f"p{int(q * 100)}")
          for q in (0.5, 0.9, 0.99)],
         "From handing a frame's records to the writer to sending the device its ACK, after commit."),
        ("Batch commit latency", "s",
         [(f"histogram_quantile({q}, sum by (le) (rate(uvis_batch_commit_seconds_bucket{{{SEL}}}[{W}])))", f"p{int(q * 100)}")
          for q in (0.5, 0.9, 0.99)]
         + [(f"sum(rate(uvis_batch_commit_seconds_sum{{{SEL}}}[{W}])) / sum(rate(uvis_batch_commit_seconds_count{{{SEL}}}[{W}]))", "mean")],
         "Time to write and commit one batch (COPY, staging, INSERT ... ON CONFLICT)."),
        ("Rows per batch", "short",
         [(f"histogram_quantile(0.5, sum by (le) (rate(uvis_batch_rows_bucket{{{SEL}}}[{W}])))", "p50"),
          (f"sum(rate(uvis_batch_commit_seconds_count{{{SEL}}}[{W}]))", "batches /s")],
         "Batch size and commit rate."),
        ("ACKs sent /s", "short",
         [(f"sum by (protocol) (rate(uvis_acks_sent_total{{{SELP}}}[{W}]))", "{{protocol}}")],
         "Acknowledgements sent after commit."),
    ]),
    ("Back-pressure and durability", [
        ("Ingest queue depth", "short",
         [(f"sum by (instance) (uvis_ingest_queue_rows{{{SEL}}})", "{{instance}} rows"),
          (f"max by (instance) (uvis_reading_paused{{{SEL}}})", "{{instance}} paused")],
         "Rows waiting for the writer; 'paused' is 1 while reading is paused above queue_high_water."),
        ("Spool size", "bytes",
         [(f"sum by (instance) (uvis_spool_bytes{{{SEL}}})", "{{instance}}")],
         "Bytes in the local spool (batches the database could not take); it drains on its own."),
        ("Spool rows /s", "short",
         [(f"sum(rate(uvis_spooled_rows_total{{{SEL}}}[{W}]))", "spooled"),
          (f"sum(rate(uvis_spool_replayed_rows_total{{{SEL}}}[{W}]))", "replayed")],
         "Rows written to and replayed from the spool."),
        ("Database errors /s", "short",
         [(f"sum by (instance) (rate(uvis_database_errors_total{{{SEL}}}[{W}]))", "{{instance}} failed writes"),
          (f"sum(rate(uvis_raw_frames_dropped_total{{{SEL}}}[{W}]))", "raw frames dropped")],
         "Failed batch writes (retried; the batch is kept) and raw frames the archive had to drop."),
    ]),
    ("Commands to devices", [
        ("Commands /s", "short",
         [(f"sum by (protocol) (rate(uvis_commands_sent_total{{{SELP}}}[{W}]))", "{{protocol}} sent"),
          (f"sum by (protocol) (rate(uvis_commands_answered_total{{{SELP}}}[{W}]))", "{{protocol}} answered"),
          (f"sum by (protocol, reason) (rate(uvis_commands_failed_total{{{SELP}}}[{W}]))",
           "{{protocol}} failed ({{reason}})"),
          (f"sum by (protocol) (rate(uvis_commands_expired_total{{{SELP}}}[{W}]))", "{{protocol}} expired")],
         "Commands written to devices' sessions, answered, failed (the device said no, or no bytes for "
         "its session) and expired before an answer, by the device's protocol."),
        ("Commands waiting", "short",
         [(f"max by (state) (uvis_commands_open{{{SEL}}})", "{{state}}")],
         "Commands in the database waiting to be sent (queued: the device is offline) or for the "
         "device's answer (sent); every gateway reads the same table, hence max."),
    ]),
]


def stat(pid, title, expr, unit, x):
    return {"id": pid, "type": "stat", "title": title, "datasource": DS,
            "gridPos": {"h": 4, "w": 4, "x": x, "y": 0},
            "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
            "options": {"reduceOptions": {"calcs": ["lastNotNull"]}, "colorMode": "value"},
            "targets": [{"refId": "A", "datasource": DS, "expr": expr}]}


def build():
    panels = [
        stat(1, "Gateways up", 'sum(up{job="uvis-gateway"})', "short", 0),
        stat(2, "Open connections", f"sum(uvis_connections_open{{{SEL}}})", "short", 4),
        stat(3, "Positions stored /s", f"sum(rate(uvis_stored_positions_total{{{SEL}}}[{W}]))", "short", 8),
        stat(4, "p99 ACK latency", f"histogram_quantile(0.99, sum by (le) (rate(uvis_ack_latency_seconds_bucket{{{SEL}}}[{W}])))", "s", 12),
        stat(5, "Queue rows", f"sum(uvis_ingest_queue_rows{{{SEL}}})", "short", 16),
        stat(6, "Spool", f"sum(uvis_spool_bytes{{{SEL}}})", "bytes", 20),
    ]
    pid, y = 10, 4
    for row_title, graphs in ROWS:
        panels.append({"id": pid, "type": "row", "title": row_title, "collapsed": False,
                       "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": []})
        pid, y = pid + 1, y + 1
        for i, (title, unit, targets, description) in enumerate(graphs):
            panels.append({
                "id": pid, "type": "timeseries", "title": title, "description": description,
                "datasource": DS, "gridPos": {"h": 8, "w": 12, "x": 12 * (i % 2), "y": y + 8 * (i // 2)},
                "fieldConfig": {"defaults": {"unit": unit, "custom": {"fillOpacity": 10}}, "overrides": []},
                "options": {"legend": {"displayMode": "list", "placement": "bottom"},
                            "tooltip": {"mode": "multi"}},
                "targets": [{"refId": chr(65 + k), "datasource": DS, "expr": expr, "legendFormat": legend}
                            for k, (expr, legend) in enumerate(targets)],
            })
            pid += 1
        y += 8 * ((len(graphs) + 1) // 2)

    def variable(name, label, query):
        return {"name": name, "label": label, "type": "query", "datasource": DS,
                "query": {"query": query, "refId": name}, "definition": query,
                "includeAll": True, "multi": True, "allValue": ".*", "refresh": 2, "sort": 1,
                "current": {"selected": True, "text": ["All"], "value": ["$__all"]}}

    return {
        "uid": "uvis-gateway", "title": "UVIS Gateway", "tags": ["uvis", "telematics"],
        "schemaVersion": 39, "version": 1, "editable": False, "refresh": "30s",
        "time": {"from": "now-3h", "to": "now"}, "timezone": "utc",
        "templating": {"list": [
            variable("instance", "Gateway", 'label_values(up{job="uvis-gateway"}, instance)'),
            variable("protocol", "Protocol", 'label_values(uvis_frames_total{job="uvis-gateway"}, protocol)'),
        ]},
        "annotations": {"list": []},
        "panels": panels,
    }


if __name__ == "__main__":
    out = Path(__file__).parent / "dashboards" / "uvis-gateway.json"
    out.write_text(json.dumps(build(), indent=2) + "\n")
    print(f"wrote {out}")
