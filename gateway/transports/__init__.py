"""How bytes reach the protocols: TCP listeners and connections (``tcp``,
``listener``: accept and its pause near the open-file limit), UDP
(``udp``), the PROXY protocol header (``proxy``), TLS contexts (``tls``)
and ``driver``: the one place that feeds a sans-IO protocol connection and
applies the error, budget and archive rules for every source."""
