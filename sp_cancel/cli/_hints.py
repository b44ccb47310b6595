"""Turning errors into one message and a hint a shell user can act on (the command to run, what to change)."""

from __future__ import annotations

import argparse
from typing import Any, Final

from sp_cancel.cli._output import EXIT_INTERRUPTED, EXIT_USAGE, ErrorReport, UsageError
from sp_cancel.errors import (
    ApiError,
    AuthError,
    CancellationRateError,
    FeedTimeoutError,
    InvalidInputError,
    ManualActionRequired,
    NetworkError,
    NotCancellableError,
    NotFoundError,
    SpCancelError,
    ThrottledError,
)

__all__ = ["INTERRUPTED_WHILE_SENDING", "cli_hint", "describe_error", "interrupted", "may_have_sent", "why"]


# The library's hints name Python calls; on the command line they name the command to run.
_CLI_HINTS: Final = (
    (
        "issue a refund with partial_refund() instead",
        "refund it instead: sp-cancel refund {id} --principal AMOUNT --currency CUR --reason REASON",
    ),
    (
        "cancel the unshipped units with items=[ItemCancel(...)]",
        (
            "cancel the unshipped units: sp-cancel cancel {id} --reason REASON --item ORDER_ITEM_ID:QTY "
            "(sp-cancel order {id} lists the items)"
        ),
    ),
    (
        (
            "cancel the unshipped units instead with client.cancel_order(order_id, reason, "
            "items=[ItemCancel(order_item_id=..., quantity=...)])"
        ),
        "cancel the unshipped units instead: sp-cancel cancel {id} --reason REASON --item ORDER_ITEM_ID:QTY",
    ),
    (
        "cancel with the real reason (e.g. NO_INVENTORY) through cancel_order() instead",
        "cancel with the real reason instead: sp-cancel cancel {id} --reason NO_INVENTORY",
    ),
    (
        "Cancel the requested items with cancel_order(order_id, BUYER_CANCELED, items=[ItemCancel(...)])",
        "Cancel the requested items: sp-cancel cancel {id} --reason BUYER_CANCELED --item ORDER_ITEM_ID:QTY",
    ),
    ("delete the listing (delete_listing)", "delete the listing (sp-cancel delete-listing {id})"),
)


def cli_hint(hint: str | None, target: str) -> str | None:
    """A library hint rephrased as the command to run (``partial_refund()`` -> ``sp-cancel refund ...``)."""
    if not hint:
        return hint
    for python, shell in _CLI_HINTS:
        for variant in (python, python[:1].upper() + python[1:], python[:1].lower() + python[1:]):
            if variant in hint:
                hint = hint.replace(variant, shell.format(id=target))
    return hint


def _network_hint(exc: NetworkError, endpoint: str | None) -> str:
    where = f"{endpoint} " if endpoint else "the SP-API endpoint "
    return (
        f"check that {where}answers (SP_API_ENDPOINT, SP_API_TOKEN_URL or the region of SP_API_MARKETPLACE), "
        "your network and proxy settings; or try the commands offline with --simulator SEED"
        + ("" if not exc.request_sent else "; if it was a write, `sp-cancel resume` finishes it safely later")
    )


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


# What to do about bad input, by the field InvalidInputError names (the library's names for the values).
_INPUT_HINTS: Final = {
    "environment": "set them (see sp-cancel --help), or try the commands with --simulator SEED",
    "order_id": "`sp-cancel orders` lists your orders with their ids",
    "order_item_id": "an order item id is 14 digits: `sp-cancel order ORDER_ID` lists the order's items",
    "sku": "a seller SKU is 1 to 40 characters, as Seller Central shows it",
    "seller_fulfillment_order_id": "give the SellerFulfillmentOrderId you created the multi-channel order with",
    "max_rate": "give a fraction below 1: --max-rate 0.02 is 2 %",
    "amount": "give amounts like 5.00 with the currency's decimals, e.g. --principal 5.00 --currency USD",
}


INTERRUPTED_WHILE_SENDING: Final = (
    "run the same command again, or `sp-cancel resume`, to settle it: the journal recorded what was sent, "
    "so nothing goes out twice"
)


def may_have_sent(args: argparse.Namespace) -> bool:
    """Whether the command may have sent something to Amazon when interrupted.

    A command that writes sets ``sends=True`` on its parser; ``buyer-requests`` writes only with ``--accept``.
    """
    return bool(getattr(args, "sends", False)) and bool(getattr(args, "accept", True))


def interrupted(args: argparse.Namespace | None) -> ErrorReport:
    """What Ctrl-C says: for a command that sends, that something may be out and how to settle it."""
    if args is not None and getattr(args, "interrupt_note", None):
        return ErrorReport(type="Interrupted", message=str(args.interrupt_note), exit_code=EXIT_INTERRUPTED)
    if args is not None and may_have_sent(args):
        return ErrorReport(
            type="Interrupted",
            message="interrupted while talking to Amazon: a feed or a request may already have reached it",
            hint=INTERRUPTED_WHILE_SENDING,
            exit_code=EXIT_INTERRUPTED,
        )
    return ErrorReport(type="Interrupted", message="interrupted; nothing was sent", exit_code=EXIT_INTERRUPTED)


def describe_error(  # noqa: C901, PLR0911, PLR0912 - one answer per kind of error
    exc: BaseException, *, target: str = "ID", endpoint: str | None = None, command: str | None = None
) -> ErrorReport:
    """What the command line says about ``exc``: type, one-line message, request id, hint, exit code."""
    name = type(exc).__name__
    if isinstance(exc, UsageError):
        return ErrorReport(type=name, message=str(exc), hint=exc.hint, exit_code=EXIT_USAGE)
    if isinstance(exc, KeyboardInterrupt):
        return ErrorReport(type="Interrupted", message="interrupted", exit_code=EXIT_INTERRUPTED)
    if isinstance(exc, InvalidInputError):
        field = getattr(exc, "field", None)
        hint = _INPUT_HINTS.get(field or "")
        if hint is None:
            hint = f"sp-cancel {command} --help says what each argument takes" if command else "sp-cancel --help"
        return ErrorReport(type=name, message=str(exc), hint=hint, exit_code=EXIT_USAGE)
    if isinstance(exc, NotCancellableError):
        text = str(exc)
        if exc.hint and text.endswith(exc.hint):
            text = text[: -len(exc.hint)].rstrip()
        return ErrorReport(type=name, message=text, hint=cli_hint(exc.hint, exc.target_id or target))
    if isinstance(exc, ManualActionRequired):
        return ErrorReport(type=name, message=_first_line(exc), hint=exc.url or None)
    if isinstance(exc, NetworkError):
        root = exc  # the innermost network failure says what really happened (an LWA one names lwaToken)
        while isinstance(root.__cause__, NetworkError):
            root = root.__cause__
        cause = str(getattr(root, "message", root))
        if root.operation == "lwaToken":
            where = "the LWA token URL (SP_API_TOKEN_URL, default https://api.amazon.com/auth/o2/token)"
        else:
            where = endpoint or "the SP-API endpoint"
        return ErrorReport(
            type=name,
            message=f"cannot reach {where} ({root.operation}): {cause}",
            request_id=exc.request_id,
            hint=_network_hint(exc, endpoint),
        )
    if isinstance(exc, FeedTimeoutError):
        return ErrorReport(
            type=name,
            message=str(exc),
            hint="Amazon is still processing it: run `sp-cancel resume` later to finish it",
        )
    if isinstance(exc, ApiError):
        return ErrorReport(type=name, message=str(exc), request_id=exc.request_id, hint=_api_hint(exc, target=target))
    if isinstance(exc, CancellationRateError):
        return ErrorReport(type=name, message=str(exc), hint="send fewer orders, or raise or drop --max-rate")
    if isinstance(exc, SpCancelError):
        return ErrorReport(type=name, message=str(exc), request_id=getattr(exc, "request_id", None))
    if isinstance(exc, OSError):
        return ErrorReport(type=name, message=str(exc), exit_code=EXIT_USAGE)
    return ErrorReport(type=name, message=str(exc))


def _api_hint(exc: ApiError, *, target: str) -> str | None:
    if isinstance(exc, AuthError):
        if exc.code == "invalid_grant":
            return "the seller revoked the authorization or the refresh token is wrong: authorize the app again"
        return "check SP_API_REFRESH_TOKEN, LWA_APP_ID and LWA_CLIENT_SECRET, and the app's roles"
    if isinstance(exc, ThrottledError):
        return "Amazon's usage plan is exhausted for now: try again in a few minutes"
    if isinstance(exc, NotFoundError):
        return f"Amazon does not know {target}: sp-cancel orders lists your orders"
    if exc.request_id:
        return "quote the request id when you contact Seller Support"
    return None


def why(outcome: Any) -> str:
    """The messages of an outcome in one cell: Amazon's messages, its detail, or why it was refused."""
    messages = "; ".join(getattr(m, "description", str(m)) for m in getattr(outcome, "messages", ()))
    error = getattr(outcome, "error", None)
    if not messages and isinstance(error, BaseException):
        report = describe_error(error, target=str(getattr(outcome, "order_id", None) or getattr(outcome, "sku", "")))
        return f"{report.message} {report.hint}" if report.hint else report.message
    return messages or (getattr(outcome, "detail", None) or "")
