"""Logging helpers: the redaction processor and filter, and the CLI's one-call setup.

The library never configures logging (no handlers, no levels, nothing on
import). It emits structlog key/value events (``sp_cancel._events``) that
carry no secret and no buyer PII; ``redact`` and ``RedactingFilter``
are the belt and braces for what could still slip in, from our events or from
the libraries underneath (python-amazon-sp-api logs the request headers,
access token included, at DEBUG; httpx logs presigned S3 URLs at INFO).

- ``redact``: a structlog processor; removes secret and PII keys at any
  depth and scrubs token-shaped substrings.
- ``RedactingFilter``: a stdlib ``logging.Filter`` doing the same on
  formatted log records.
- ``configure_logging``: for the CLI (and scripts) only.
"""

from __future__ import annotations

import functools
import logging
import re
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any, Final

import structlog

from sp_cancel._events import LOGGER_NAME

__all__ = ["REDACTED", "Logger", "RedactingFilter", "configure_logging", "get_logger", "redact", "scrub"]

REDACTED: Final = "<redacted>"

# Keys compared after lower-casing and dropping "-" and "_": "x-amz-access-token" -> "xamzaccesstoken".
_SECRET_KEYS: Final = frozenset(
    {
        "xamzaccesstoken",
        "accesstoken",
        "refreshtoken",
        "clientsecret",
        "authorization",
        "proxyauthorization",
        "xamzsecuritytoken",
        "password",
        "secret",
        "token",
        "restricteddatatoken",
    }
)
_PII_KEYS: Final = frozenset(
    {
        "buyer",
        "buyerinfo",
        "buyername",
        "buyeremail",
        "buyercompanyname",
        "buyertaxinfo",
        "buyercounty",
        "recipient",
        "recipientname",
        "shippingaddress",
        "shiptoaddress",
        "billingaddress",
        "deliveryaddress",
        "destinationaddress",
        "address",
        "addressline1",
        "addressline2",
        "addressline3",
        "phone",
        "phonenumber",
        "email",
        "emailaddress",
        "city",
        "postalcode",
        "county",
        "district",
    }
)
_PII_SUFFIXES: Final = ("email", "emailaddress", "phone", "phonenumber", "address", "addressline1", "addressline2")
_PII_PREFIXES: Final = ("buyer", "recipient", "shipto", "customer")
# structlog's own keys are never redacted (the event name is data we chose).
_KEEP: Final = frozenset({"event", "level", "timestamp", "logger", "operation", "feedtype", "operationname"})

# Token shapes: LWA refresh (Atzr|) and access (Atza|) tokens, LWA client secrets, RDTs (Atz.sprdt|),
# and the credential parts of S3 presigned URLs (X-Amz-Signature / -Credential / -Security-Token).
_TOKEN_PATTERNS: Final = (
    re.compile(r"Atz[ar]\|[^\s'\",;&}\]]+"),
    re.compile(r"Atz\.sprdt\|[^\s'\",;&}\]]+"),
    re.compile(r"amzn1\.oa2-cs\.v1\.[A-Za-z0-9._-]+"),
)
_KEY_VALUE: Final = re.compile(
    r"""(?ix)
    (?P<key>x-amz-access-token|access_token|refresh_token|client_secret|authorization
        |x-amz-signature|x-amz-credential|x-amz-security-token)
    (?P<sep>['"]?\s*[:=]\s*(?:b?['"])?)
    (?P<value>[^\s'",&}\]]+)
    """
)


def _norm(key: object) -> str:
    return str(key).lower().replace("-", "").replace("_", "")


def _sensitive(key: object) -> bool:
    norm = _norm(key)
    if norm in _KEEP:
        return False
    if norm in _SECRET_KEYS or norm in _PII_KEYS:
        return True
    if norm.endswith(_PII_SUFFIXES):
        return True
    return norm.startswith(_PII_PREFIXES) and norm.endswith("name")


def scrub(text: str) -> str:
    """Replace token-shaped substrings and ``key=value`` secrets inside ``text`` with ``<redacted>``."""
    text = _KEY_VALUE.sub(lambda m: f"{m.group('key')}{m.group('sep')}{REDACTED}", text)
    for pattern in _TOKEN_PATTERNS:
        text = pattern.sub(REDACTED, text)
    return text


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, bytes):
        return scrub(value.decode("utf-8", errors="replace")).encode()
    if isinstance(value, Mapping):
        return {k: (REDACTED if _sensitive(k) else _clean(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_clean(v) for v in value)
    return value


def redact(logger: object, method_name: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Structlog processor: drop secrets and buyer PII from an event, at any depth.

    Keys such as ``x-amz-access-token``, ``refresh_token``, ``client_secret``,
    ``Authorization``, ``BuyerName``, ``buyer_email``, ``ShippingAddress``,
    ``recipient`` or ``Phone`` get the value ``"<redacted>"``; strings have
    token-shaped substrings (``Atzr|...``, ``amzn1.oa2-cs.v1....``) scrubbed.
    """
    del logger, method_name
    for key in list(event_dict):
        event_dict[key] = REDACTED if _sensitive(key) else _clean(event_dict[key])
    return event_dict


class RedactingFilter(logging.Filter):
    """A stdlib filter that scrubs secrets from every record it sees (it never drops a record).

    Attach it to a handler to cover every logger (``sp_api``, ``httpx``, ``httpcore``...): a filter on a
    logger only sees records created on that exact logger, not on its children.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Format the message, scrub it (and any traceback text), and keep the record."""
        if isinstance(record.msg, dict):
            # A structlog event on its way to ProcessorFormatter: keep it a dict, redact it like the processor.
            record.msg = dict(redact(None, record.levelname.lower(), dict(record.msg)))
        else:
            try:
                message = record.getMessage()
            except (TypeError, ValueError):
                message = str(record.msg)
            record.msg = scrub(message)
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True


def configure_logging(level: str | int = "INFO", *, json: bool = False) -> None:
    """Set up logging for the CLI or a script (the library itself never calls this).

    One stderr handler with ``RedactingFilter`` on the root logger renders both
    stdlib records and structlog events (through ``redact``), as JSON lines or
    human-readable console lines. ``sp_api``'s loggers are held at INFO or above, so its
    DEBUG "Request Headers" line (which holds the access token) is never emitted.

    Args:
        level: root level, e.g. ``"DEBUG"`` or ``logging.INFO``.
        json: JSON lines instead of console output.
    """
    numeric = logging.getLevelNamesMapping().get(level.upper()) if isinstance(level, str) else level
    if numeric is None:
        raise ValueError(f"unknown log level {level!r}")
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact,
    ]
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_sp_cancel", False)]:
        root.removeHandler(old)
    handler._sp_cancel = True  # type: ignore[attr-defined]  # noqa: SLF001 - marks our handler for re-configuration
    root.addHandler(handler)
    root.setLevel(numeric)
    for name in ("sp_api", "httpcore"):
        logging.getLogger(name).setLevel(max(numeric, logging.INFO))


class Logger:
    """The logger every sp_cancel module uses.

    It is structlog's when the application configured structlog, otherwise the stdlib logger
    ``sp_cancel`` (silent below WARNING unless you configure logging). structlog's unconfigured
    default prints every event, debug included, to stdout, which a library must not do. So until
    ``structlog.configure()`` has been called, events go through ``redact`` and a key=value
    renderer to ``logging.getLogger("sp_cancel")``, where your logging configuration decides.
    """

    __slots__ = ("_context",)

    def __init__(self, context: Mapping[str, Any] | None = None) -> None:
        """A logger carrying ``context`` in every event."""
        self._context = dict(context or {})

    def bind(self, **values: Any) -> Logger:
        """A logger with more context."""
        return Logger({**self._context, **values})

    def _target(self) -> Any:
        if structlog.is_configured():
            return structlog.get_logger(LOGGER_NAME).bind(**self._context)
        return _stdlib_logger().bind(**self._context)

    @staticmethod
    def _dropped(level: int) -> bool:
        """Whether an event at ``level`` would be dropped anyway: structlog unconfigured, stdlib below the level.

        Checked first, so an event nobody will see costs no bound logger and no processor run (the transport
        logs one DEBUG event per call).
        """
        return not structlog.is_configured() and not _stdlib().isEnabledFor(level)

    def debug(self, event: str, **values: Any) -> None:
        """Log ``event`` at DEBUG."""
        if not self._dropped(logging.DEBUG):
            self._target().debug(event, **values)

    def info(self, event: str, **values: Any) -> None:
        """Log ``event`` at INFO."""
        if not self._dropped(logging.INFO):
            self._target().info(event, **values)

    def warning(self, event: str, **values: Any) -> None:
        """Log ``event`` at WARNING."""
        self._target().warning(event, **values)

    def error(self, event: str, **values: Any) -> None:
        """Log ``event`` at ERROR."""
        self._target().error(event, **values)


_STDLIB: list[Any] = []


@functools.cache
def _stdlib() -> logging.Logger:
    """The stdlib ``sp_cancel`` logger, looked up once (``logging.getLogger`` takes the logging module's lock)."""
    return logging.getLogger(LOGGER_NAME)


def _stdlib_logger() -> Any:
    if not _STDLIB:
        _STDLIB.append(
            structlog.wrap_logger(
                logging.getLogger(LOGGER_NAME),
                processors=[
                    structlog.stdlib.filter_by_level,
                    redact,
                    structlog.processors.KeyValueRenderer(key_order=["event"], sort_keys=True),
                ],
                wrapper_class=structlog.stdlib.BoundLogger,
            )
        )
    return _STDLIB[0]


def get_logger() -> Logger:
    """The ``sp_cancel`` logger (see ``Logger``)."""
    return Logger()
