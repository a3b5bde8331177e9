"""MQTT ingestion: the broker client (``client``, paho-mqtt 2 on the event
loop), subscription settings and topic rules (``config``), payload decoders
(``payloads``: the wire formats are in protocols/) and the ingest that ties
them to the writer (``ingest``)."""
