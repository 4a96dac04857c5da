"""Structured JSON logs (structlog) carrying request and job ids from context variables.

Article text and secrets are never passed to a logger at info level or above: log fields are ids,
sizes, codes and timings only.
"""

from __future__ import annotations

import logging
import sys

import structlog

_SECRET_FIELDS = frozenset({"authorization", "api_key", "token", "secret", "webhook_secret"})


def _drop_secrets(
    _logger: object, _name: str, event: structlog.typing.EventDict
) -> structlog.typing.EventDict:
    """Redact any field that looks like a credential, whoever logged it."""
    for key in list(event):
        if key.lower() in _SECRET_FIELDS:
            event[key] = "[redacted]"
    return event


def configure_logging(level: str = "INFO") -> None:
    """Send structlog and stdlib logs (uvicorn's included) to stderr as one JSON object a line."""
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _drop_secrets,
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # the request middleware logs requests
    for noisy in ("httpx", "httpcore", "openai", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
