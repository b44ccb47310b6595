"""Offset page tokens (``formats.OffsetTokens``): what they carry, and the token sent back for something else."""

from __future__ import annotations

from sp_cancel.testing._sim.formats import BY_ORDER, BY_QUERY, decode_token, query_digest


def test_a_token_carries_what_it_was_issued_for_and_the_next_offset() -> None:
    """``BY_ORDER`` writes ``{o: order id, s: offset}``, ``BY_QUERY`` ``{h: query digest, o: offset}``."""
    order_token = BY_ORDER.following("111-2222222-3333333", 0, 100, 250)
    assert order_token is not None
    assert decode_token(order_token) == {"o": "111-2222222-3333333", "s": 100}
    assert BY_ORDER.start(order_token, "111-2222222-3333333") == 100
    assert decode_token(BY_QUERY.token("abc", 20)) == {"h": "abc", "o": 20}


def test_no_token_after_the_last_page_and_none_accepted_for_another_binding() -> None:
    """The last page has no next token; a token issued for another order or query is not one."""
    assert BY_ORDER.following("A", 200, 100, 250) is None
    assert BY_ORDER.start(None, "A") == 0
    assert BY_ORDER.start(BY_ORDER.token("A", 100), "B") is None
    assert BY_QUERY.start("not a token", "h") is None


def test_the_query_digest_ignores_the_token_and_the_order_of_parameters() -> None:
    """A token is bound to the rest of the query, whatever order its parameters came in."""
    first = query_digest("searchOrders", {"a": ["1"], "b": ["2"]}, "paginationToken")
    again = query_digest("searchOrders", {"b": ["2"], "paginationToken": ["x"], "a": ["1"]}, "paginationToken")
    assert first == again
    assert first != query_digest("searchPromotions", {"a": ["1"], "b": ["2"]}, "paginationToken")
