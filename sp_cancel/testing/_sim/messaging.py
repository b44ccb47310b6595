"""Messaging v1: the message types an order offers (``getMessagingActionsForOrder``) and ``createUnexpectedProblem``.

Shapes follow Amazon's model (``messaging.json``): the actions answer is HAL (``application/hal+json``), with
``_links.self``, ``_links.actions[]`` (``{href, name}``) and ``_embedded.actions[]`` (each with ``self`` and
``schema`` links); ``createUnexpectedProblem`` takes ``{"text"}`` (1 to 2000 characters) and answers 201 ``{}``.
Both have the usage plan 1 request per second, burst 5 (``plans.py``).

What Amazon documents about the text ("Do not include HTML or email addresses"; "Only links related to
unexpected problem calls are allowed") is enforced with a 400 ``InvalidInput``: any HTML tag or character
reference, any e-mail address, and any link to a host that is not Amazon's [INF: Amazon's own check is not
published; this is the strictest reading that still lets an Amazon link through].

Which orders offer ``unexpectedProblem`` is not published either. The simulator's rule [INF], documented in
docs/testing.md: a seller-fulfilled (MFN) order offers it until ``MESSAGING_WINDOW`` (30 days ÷ scale) after it
was placed; an Amazon-fulfilled (AFN) order offers no messaging action (Amazon's customer service speaks for
FBA orders), nor does an order past the window or one a test closed (``close_messaging``: whatever reason
Amazon has). Calling ``createUnexpectedProblem`` for an order that does not offer it is a 400.

Every message delivered is recorded in ``world.buyer_messages`` (``Simulator.buyer_messages``): a buyer who
got the same explanation twice shows up there.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Final

from sp_cancel.testing._sim.core import (
    Router,
    SimRequest,
    SimResponse,
    SimulatorCore,
    invalid_input,
    json_body,
    not_found,
)
from sp_cancel.testing._sim.formats import ORDER_ID_RE
from sp_cancel.testing._sim.world import SimBuyerMessage, SimOrder

__all__ = ["MESSAGING_WINDOW", "close_messaging", "offered_actions", "register"]

#: How long after it was placed an MFN order offers messaging actions [INF], divided by the simulator's scale.
MESSAGING_WINDOW: Final = timedelta(days=30)
#: What an open MFN order offers, in the order Amazon's sandbox lists them.
_ACTIONS: Final = ("confirmOrderDetails", "legalDisclosure", "unexpectedProblem")
_MAX_TEXT: Final = 2000
_HAL: Final = {"Content-Type": "application/hal+json"}
_TAG: Final = re.compile(r"<\s*/?\s*[A-Za-z!?][^>]*>|&(?:#\d+|#x[0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);")
_EMAIL: Final = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_LINK: Final = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.)([^\s/?#]*)", re.IGNORECASE)
_AMAZON_HOST: Final = re.compile(r"^(?:www\.)?(?:[\w-]+\.)*amazon\.[a-z.]+$", re.IGNORECASE)


def _marketplace(sim: SimulatorCore, request: SimRequest) -> str | SimResponse:
    """The one marketplace the request names (the model: required, ``maxItems`` 1), or Amazon's 400."""
    markets = request.many("marketplaceIds")
    if len(markets) != 1:
        return invalid_input("marketplaceIds must name exactly one marketplace.")
    if not sim.marketplace_known(markets[0]):
        return invalid_input(f"Invalid marketplaceIds: {markets[0]}.")
    return markets[0]


def _order(sim: SimulatorCore, request: SimRequest, marketplace_id: str) -> SimOrder | SimResponse:
    order_id = request.path_params["amazonOrderId"]
    if not ORDER_ID_RE.match(order_id):
        return invalid_input(f"Invalid amazonOrderId: {order_id}.")
    order = sim.world.orders.get(order_id)
    if order is None or order.marketplace_id != marketplace_id:
        return not_found(f"Order {order_id} was not found in marketplace {marketplace_id}.")
    return order


def offered_actions(sim: SimulatorCore, order: SimOrder) -> tuple[str, ...]:
    """The messaging actions the order offers now (the module docstring's rule)."""
    if order.order_id in sim.world.messaging_closed or order.fulfillment_channel != "MFN":
        return ()
    if sim.now() - order.purchase_date >= MESSAGING_WINDOW / sim.scale:
        return ()
    return _ACTIONS


def close_messaging(sim: SimulatorCore, order_id: str) -> SimOrder:
    """Amazon stops offering any messaging action for the order (``KeyError`` for an unknown order)."""
    order = sim.world.orders[order_id]
    sim.world.messaging_closed.add(order_id)
    return order


def _href(order: SimOrder, marketplace_id: str, action: str | None = None) -> str:
    path = f"/messaging/v1/orders/{order.order_id}"
    if action == "attributes":
        path += "/attributes"
    elif action is not None:
        path += f"/messages/{action}"
    return f"{path}?marketplaceIds={marketplace_id}"


def get_messaging_actions_for_order(sim: SimulatorCore, request: SimRequest) -> SimResponse:
    """``GET /messaging/v1/orders/{amazonOrderId}``: the actions the order offers, as HAL links."""
    market = _marketplace(sim, request)
    if isinstance(market, SimResponse):
        return market
    order = _order(sim, request, market)
    if isinstance(order, SimResponse):
        return order
    actions = offered_actions(sim, order)
    body = {
        "_links": {
            "self": {"href": _href(order, market)},
            "actions": [{"href": _href(order, market, name), "name": name} for name in actions],
        },
        "_embedded": {
            "actions": [
                {
                    "_links": {
                        "self": {"href": _href(order, market, name), "name": name},
                        "schema": {
                            "href": f"/messaging/v1/orders/{order.order_id}/messages/{name}/schema",
                            "name": name,
                        },
                    }
                }
                for name in actions
            ]
        },
    }
    return SimResponse(status=200, body=body, headers=dict(_HAL))


def _text_problem(text: object) -> str | None:
    """Why Amazon refuses the text (the model's rules), or ``None``."""
    if not isinstance(text, str) or not 1 <= len(text) <= _MAX_TEXT:
        return f"text must be a string of 1 to {_MAX_TEXT} characters."
    if _TAG.search(text):
        return "text must not include HTML."
    if _EMAIL.search(text):
        return "text must not include email addresses."
    for link in _LINK.finditer(text):
        if not _AMAZON_HOST.match(link.group(1)):
            return "Only links related to unexpected problem calls are allowed."
    return None


def create_unexpected_problem(sim: SimulatorCore, request: SimRequest) -> SimResponse:  # noqa: PLR0911 - one answer per check, in order
    """``POST /messaging/v1/orders/{amazonOrderId}/messages/unexpectedProblem`` ``{text}`` → 201 ``{}``."""
    market = _marketplace(sim, request)
    if isinstance(market, SimResponse):
        return market
    if not request.headers.get("content-type", "").startswith("application/json"):
        return SimResponse(
            status=415, body={"errors": [{"code": "UnsupportedMediaType", "message": "Use application/json."}]}
        )
    body = json_body(request)
    if isinstance(body, SimResponse):
        return body
    order = _order(sim, request, market)
    if isinstance(order, SimResponse):
        return order
    problem = _text_problem(body.get("text") if isinstance(body, dict) else None)
    if problem is not None:
        return invalid_input(problem)
    if "unexpectedProblem" not in offered_actions(sim, order):
        return invalid_input(f"The unexpectedProblem message is not available for order {order.order_id}.")
    sim.world.buyer_messages.append(
        SimBuyerMessage(
            order_id=order.order_id,
            marketplace_id=market,
            message_type="unexpectedProblem",
            text=str(body["text"]),
            at=sim.now(),
        )
    )
    return SimResponse(status=201, body={}, headers=dict(_HAL))


def register(router: Router) -> None:
    """Add the Messaging routes."""
    base = "/messaging/v1/orders/{amazonOrderId}"
    router.add("GET", base, "messaging.getMessagingActionsForOrder", get_messaging_actions_for_order)
    router.add(
        "POST", base + "/messages/unexpectedProblem", "messaging.createUnexpectedProblem", create_unexpected_problem
    )
