"""Messaging API v1 answers as typed values (``getMessagingActionsForOrder``).

The answer is HAL: ``_links.actions[]`` lists the message types Amazon offers for the order, each a link with a
``name`` (``unexpectedProblem``, ``confirmOrderDetails``...). ``_embedded`` (the actions' schemas) is kept unread.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from sp_cancel.transport._parse import EMPTY, extra, opt_list, opt_obj, opt_str

__all__ = ["MessagingActions", "parse_messaging_actions"]


@attrs.frozen(kw_only=True)
class MessagingActions:
    """The message types Amazon offers for one order (``getMessagingActionsForOrder``).

    Attributes:
        names: each offered action's ``name`` (the message type), in Amazon's order.
    """

    names: tuple[str, ...]
    extra: Mapping[str, Any] = attrs.field(default=EMPTY, repr=False, hash=False)

    def offers(self, name: str) -> bool:
        """Whether Amazon offers the message type ``name`` for the order."""
        return name in self.names


def _action_name(data: Mapping[str, Any]) -> str:
    return opt_str(data, "name", "_links.actions[]") or ""


def parse_messaging_actions(data: Mapping[str, Any]) -> MessagingActions:
    """Read a ``GetMessagingActionsForOrderResponse``."""
    links = opt_obj(data, "_links", "") or EMPTY
    names = tuple(n for n in opt_list(links, "actions", "_links", _action_name) if n)
    return MessagingActions(names=names, extra=extra(data, frozenset({"_links"})))
