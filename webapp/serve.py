"""The production server: ``python -m webapp.serve`` runs the app under gunicorn with threaded workers.

Every option comes from :class:`webapp.settings.ServingSettings` (``ATLAS_*`` variables), read and checked before
any worker starts. Workers build the app themselves (no preload), so ``kill -HUP <master pid>`` after a rebuild
starts workers on the new store and analysis while the old ones finish their requests: a rebuild without downtime.
"""

from __future__ import annotations

import logging
import sys

from gunicorn.app.base import BaseApplication

from webapp.settings import ServingSettings, WebSettings

#: Access log line: client, request line, status, bytes sent, time in ms, user agent.
ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'


def gunicorn_options(serving: ServingSettings) -> dict[str, object]:
    """The gunicorn settings for ``serving``.

    Parameters
    ----------
    serving : ServingSettings
        Workers, threads, timeouts, limits and the access log.

    Returns
    -------
    dict
        gunicorn setting name → value.
    """
    return {
        "bind": f"{serving.host}:{serving.port}",
        "worker_class": "gthread",
        "workers": serving.workers,
        "threads": serving.threads,
        "timeout": serving.worker_timeout_s,
        "graceful_timeout": serving.graceful_timeout_s,
        "keepalive": serving.keepalive_s,
        "max_requests": serving.max_requests,
        "max_requests_jitter": serving.max_requests_jitter,
        "limit_request_line": serving.limit_request_line,
        "limit_request_fields": serving.limit_request_fields,
        "limit_request_field_size": serving.limit_request_field_size,
        "accesslog": serving.access_log or None,
        "access_log_format": ACCESS_LOG_FORMAT,
        "errorlog": "-",
        "preload_app": False,
        # gunicorn would otherwise believe X-Forwarded-Proto from 127.0.0.1; which proxies are trusted is the app's
        # setting (ATLAS_TRUSTED_PROXIES, webapp.public_url), so gunicorn trusts none.
        "forwarded_allow_ips": "",
        "secure_scheme_headers": {},
        "proc_name": "atlas",
        # Reloads and stops go by signal (HUP, TERM) to the master; no shared control socket in the home folder.
        "control_socket_disable": True,
    }


class AtlasServer(BaseApplication):
    """gunicorn running ``webapp.create_app(settings)`` in each worker."""

    def __init__(self, settings: WebSettings) -> None:
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        """Apply :func:`gunicorn_options`."""
        for name, value in gunicorn_options(self.settings.serving).items():
            self.cfg.set(name, value)

    def load(self):
        """Build the app (in each worker, as workers do not share the master's copy)."""
        from webapp import create_app

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        return create_app(self.settings)


def main() -> int:
    """Check the settings and serve until stopped."""
    settings = WebSettings()
    AtlasServer(settings).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
