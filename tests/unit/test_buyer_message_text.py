"""The buyer message's text rules (``notify.check_text``): Amazon's, checked before any request."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sp_cancel._cancellation.notify import MAX_LENGTH, check_text, texts_for
from sp_cancel.errors import InvalidInputError
from sp_cancel.models import CancelRequest

GOOD = [
    ("We are sorry: the last unit was damaged, so we cancelled your order. You will not be charged.", None),
    ("  Sorry, out of stock.\n", "Sorry, out of stock."),  # trimmed
    ("Line one.\nLine two.\tTabbed.", None),
    ("Prices: 3 < 5 and 5 > 3; R&D team, Q&A.", None),  # angle brackets and ampersands that are no HTML
    ("Nous sommes désolés : l'article est épuisé, votre commande a été annulée.", None),
    ("ご注文の商品は在庫切れのため、キャンセルいたしました。", None),
    ("Version 2.0 of the item, e.g. size 4.5, is sold out.", None),  # dots that are not host names
    ("x" * MAX_LENGTH, None),
    ("  " + "y" * MAX_LENGTH + "  ", "y" * MAX_LENGTH),  # 2000 after trimming
]

BAD = [
    ("", "empty"),
    ("   \n\t ", "empty"),
    ("z" * (MAX_LENGTH + 1), "2001 characters"),
    ("Sorry, <b>out of stock</b>.", "HTML"),
    ("Sorry<br/>out of stock.", "HTML"),
    ("Sorry &amp; thanks.", "HTML"),
    ("Sorry&#39;s.", "HTML"),
    ("<!-- note --> Sorry.", "HTML"),
    ("Write to help@seller-shop.com for a refund.", "e-mail address"),
    ("See https://seller-shop.example/sale for other items.", "link"),
    ("See http://www.amazon.com/dp/B000 for the listing.", "link"),
    ("Visit www.seller-shop.net today.", "link"),
    ("Our store is seller-shop.com, 10% off!", "link"),
    ("Amazon.com says so.", "link"),
    ("mailto:help", "link"),
    ("Sorry\x00.", "control characters"),
    ("Sorry\x1b[31m.", "control characters"),
]


@pytest.mark.parametrize(("text", "sent"), GOOD, ids=[f"good-{n}" for n in range(len(GOOD))])
def test_good_texts_are_accepted_trimmed(text: str, sent: str | None) -> None:
    """Plain text within 1 to 2000 characters after trimming passes, trimmed."""
    assert check_text(text) == (sent if sent is not None else text.strip())


@pytest.mark.parametrize(("text", "why"), BAD, ids=[f"bad-{n}" for n in range(len(BAD))])
def test_bad_texts_are_refused_naming_the_rule(text: str, why: str) -> None:
    """Each rule Amazon states (length, HTML, e-mail) and ours (no link, plain text) refuses with its reason."""
    with pytest.raises(InvalidInputError, match=why) as caught:
        check_text(text)
    assert caught.value.field == "notify_buyer"
    assert "Nothing was sent" in str(caught.value)


def test_every_problem_is_named_at_once() -> None:
    """A text breaking several rules names each of them in one error."""
    with pytest.raises(InvalidInputError) as caught:
        check_text("<p>Mail me at a@b.co or see https://x.example</p>")
    message = str(caught.value)
    assert "HTML" in message
    assert "e-mail address" in message
    assert "link" in message


@pytest.mark.parametrize("value", [None, 42, b"bytes", ["Sorry"]])
def test_a_text_must_be_a_str(value: object) -> None:
    """Anything but a str is refused with the argument named."""
    with pytest.raises(InvalidInputError, match="must be the text"):
        check_text(value, "text")


@given(st.text(alphabet=string.ascii_letters + string.digits + " ,;:!?'-()\n", min_size=1, max_size=MAX_LENGTH))
def test_plain_prose_passes_unless_blank(text: str) -> None:
    """Letters, digits, spaces and punctuation without dots or @ are plain text: accepted whenever not blank."""
    if text.strip():
        assert check_text(text) == text.strip()
    else:
        with pytest.raises(InvalidInputError, match="empty"):
            check_text(text)


@given(
    st.text(alphabet=string.ascii_letters + " ", max_size=50),
    st.sampled_from(["<i>", "</div>", "&nbsp;", "x@y.io", "https://a.b", "www.shop", "shop.de"]),
    st.text(alphabet=string.ascii_letters + " ", max_size=50),
)
def test_html_mail_or_link_anywhere_is_refused(before: str, bad: str, after: str) -> None:
    """A tag, an entity, an e-mail address or a link is refused wherever it sits in the text."""
    with pytest.raises(InvalidInputError):
        check_text(f"{before} {bad} {after}")


def test_batch_texts_are_all_checked_first_one_for_all_or_per_order() -> None:
    """One text for all orders, or per order through a function (None: no message); one bad text refuses all."""
    requests = [CancelRequest(order_id=f"111-0000000-000000{n}", reason="NO_INVENTORY") for n in range(3)]
    assert texts_for(requests, "Sorry.") == {r.order_id: "Sorry." for r in requests}
    assert texts_for(requests, None) == {}
    per_order = texts_for(requests, lambda r: None if r.order_id.endswith("1") else f"Sorry, {r.order_id}.")
    assert per_order == {
        "111-0000000-0000000": "Sorry, 111-0000000-0000000.",
        "111-0000000-0000002": "Sorry, 111-0000000-0000002.",
    }
    with pytest.raises(InvalidInputError, match=r"order 111-0000000-0000002: .*HTML") as caught:
        texts_for(requests, lambda r: "<b>Sorry</b>" if r.order_id.endswith("2") else "Sorry.")
    assert caught.value.field == "notify_buyer"
