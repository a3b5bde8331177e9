"""TLS for device listeners: one server context per listener (certificate
and key, optional client certificates), re-read when the files change.

``SSLContext.load_cert_chain`` on a live context applies to the handshakes
that follow, so a renewed certificate (certbot, cert-manager) takes effect
without a restart; a pair that fails to load keeps the previous one and is
logged.
"""

from __future__ import annotations

import asyncio
import logging
import os
import ssl
from typing import Any

__all__ = ["server_context", "CertificateWatch"]

log = logging.getLogger("uvis.gateway")

#: seconds between two looks at the certificate files
CHECK_PERIOD = 5.0


def _mtimes(*paths: str | None) -> tuple:
    out = []
    for path in paths:
        try:
            out.append(os.stat(path).st_mtime_ns if path else None)
        except OSError:
            out.append(None)
    return tuple(out)


class CertificateWatch:
    """Reloads a context's certificate chain when its files change."""

    def __init__(self, context: ssl.SSLContext, cert: str, key: str, period: float = CHECK_PERIOD) -> None:
        self.context = context
        self.cert, self.key = cert, key
        self.period = period
        self._seen = _mtimes(cert, key)
        self.reloads = 0
        self._timer: asyncio.TimerHandle | None = None

    def start(self) -> None:
        try:
            self._timer = asyncio.get_running_loop().call_later(self.period, self._tick)
        except RuntimeError:
            self._timer = None

    def _tick(self) -> None:
        self.check()
        self.start()

    def check(self) -> bool:
        """Reload when the files changed; True when a new pair was loaded."""
        now = _mtimes(self.cert, self.key)
        if now == self._seen:
            return False
        self._seen = now
        try:
            self.context.load_cert_chain(self.cert, self.key)
        except (OSError, ssl.SSLError) as exc:
            log.error("TLS: %s / %s could not be loaded (%s); the previous certificate stays",
                      self.cert, self.key, exc)
            return False
        self.reloads += 1
        log.info("TLS: certificate %s reloaded", self.cert)
        return True


def server_context(listener: Any) -> ssl.SSLContext | None:
    """The listener's server context, or None without TLS. Raises on unreadable files."""
    if not listener.tls_cert:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(listener.tls_cert, listener.tls_key)
    if listener.tls_client_ca:
        context.load_verify_locations(cafile=listener.tls_client_ca)
        context.verify_mode = ssl.CERT_REQUIRED
    watch = CertificateWatch(context, listener.tls_cert, listener.tls_key)
    watch.start()
    context.watch = watch  # type: ignore[attr-defined]  # kept alive with the context
    return context
