"""Feed document benchmarks: build a 10,000-message acknowledgement, parse a 10,000-result report.

Run: ``.venv/bin/python benchmarks/bench_feeds.py`` (best of N runs with timeit; prints a markdown table).
The targets are 0.5 s for each of the two headline rows on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import timeit
from collections.abc import Callable

from sp_cancel.feeds import (
    AckItem,
    AckMessage,
    AdjustedItem,
    AdjustmentMessage,
    build_acknowledgement_feed,
    build_adjustment_feed,
    chunk_messages,
    parse_processing_report,
)
from sp_cancel.models import AdjustmentReason, CancelReason, Money, PriceComponent

MESSAGES = 10_000
TARGET_S = 0.5


def ack_messages(count: int) -> list[AckMessage]:
    """``count`` whole-order cancels with two items each."""
    return [
        AckMessage(
            message_id=i + 1,
            order_id=f"112-{i:07d}-{i % 9_999_999:07d}",
            status="Failure",
            items=(
                AckItem(order_item_id=f"{i:012d}01", reason=CancelReason.NO_INVENTORY),
                AckItem(order_item_id=f"{i:012d}02", reason=CancelReason.NO_INVENTORY),
            ),
        )
        for i in range(count)
    ]


def adjustment_messages(count: int) -> list[AdjustmentMessage]:
    """``count`` one-item refunds with two price components."""
    return [
        AdjustmentMessage(
            message_id=i + 1,
            order_id=f"112-{i:07d}-1234567",
            items=(
                AdjustedItem(
                    order_item_id=f"{i:014d}",
                    merchant_adjustment_item_id=f"adj-{i}",
                    reason=AdjustmentReason.CUSTOMER_RETURN,
                    components=(
                        (PriceComponent.PRINCIPAL, Money(amount="19.99", currency="USD")),
                        (PriceComponent.TAX, Money(amount="1.60", currency="USD")),
                    ),
                ),
            ),
        )
        for i in range(count)
    ]


def processing_report(count: int) -> bytes:
    """An Amazon-shaped ProcessingReport with ``count`` results (errors and warnings, with AdditionalInfo)."""
    results = "".join(
        f"<Result><MessageID>{i + 1}</MessageID><ResultCode>{'Error' if i % 3 else 'Warning'}</ResultCode>"
        f"<ResultMessageCode>18028</ResultMessageCode><ResultDescription>Your order cannot be found using "
        f"Merchant ID A1SELLERID and Merchant Order 112-{i:07d}-1234567.</ResultDescription>"
        f"<AdditionalInfo><AmazonOrderID>112-{i:07d}-1234567</AmazonOrderID>"
        f"<AmazonOrderItemCode>{i:014d}</AmazonOrderItemCode></AdditionalInfo></Result>\n"
        for i in range(count)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xsi:noNamespaceSchemaLocation="amzn-envelope.xsd"><Header><DocumentVersion>1.02</DocumentVersion>'
        "<MerchantIdentifier>A1SELLERID</MerchantIdentifier></Header><MessageType>ProcessingReport</MessageType>"
        "<Message><MessageID>1</MessageID><ProcessingReport><DocumentTransactionID>50123019999</DocumentTransactionID>"
        f"<StatusCode>Complete</StatusCode><ProcessingSummary><MessagesProcessed>{count}</MessagesProcessed>"
        f"<MessagesSuccessful>0</MessagesSuccessful><MessagesWithError>{count}</MessagesWithError>"
        "<MessagesWithWarning>0</MessagesWithWarning></ProcessingSummary>\n"
        f"{results}</ProcessingReport></Message></AmazonEnvelope>\n"
    ).encode()


def best(func: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Best wall time and best CPU time (this process) of ``repeat`` single runs, in seconds.

    CPU time shows the cost when other work shares the machine; wall time is what a caller waits.
    """
    wall = min(timeit.repeat(func, number=1, repeat=repeat))
    cpu = min(timeit.repeat(func, number=1, repeat=repeat, timer=time.process_time))
    return wall, cpu


def main() -> None:
    """Run the benchmarks and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7, help="runs per row; the best is reported")
    args = parser.parse_args()

    acks = ack_messages(MESSAGES)
    adjustments = adjustment_messages(MESSAGES)
    ack_document = build_acknowledgement_feed("A1SELLERID", acks)
    report = processing_report(MESSAGES)
    big = ack_messages(4 * MESSAGES)

    rows = [
        (
            f"build acknowledgement, {MESSAGES:,} messages x 2 items ({len(ack_document) / 1e6:.1f} MB)",
            best(lambda: build_acknowledgement_feed("A1SELLERID", acks), args.repeat),
            TARGET_S,
        ),
        (
            f"construct {MESSAGES:,} AckMessage values + build",
            best(lambda: build_acknowledgement_feed("A1SELLERID", ack_messages(MESSAGES)), args.repeat),
            None,
        ),
        (
            f"parse ProcessingReport, {MESSAGES:,} results ({len(report) / 1e6:.1f} MB)",
            best(lambda: parse_processing_report(report), args.repeat),
            TARGET_S,
        ),
        (
            f"build adjustment, {MESSAGES:,} messages x 2 components",
            best(lambda: build_adjustment_feed("A1SELLERID", adjustments), args.repeat),
            None,
        ),
        (
            f"chunk {4 * MESSAGES:,} acknowledgements into <= 10 MiB documents",
            best(lambda: chunk_messages(big, lambda ms: build_acknowledgement_feed("A1SELLERID", ms)), 3),
            None,
        ),
    ]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"load average {load:.2f}, best of {args.repeat}\n"
    )
    print("| benchmark | best wall (s) | best CPU (s) | target (s) |")
    print("| --- | ---: | ---: | ---: |")
    for name, (wall, cpu), target in rows:
        verdict = "" if target is None else f"{target}" + (" ok" if wall < target else " MISSED")
        print(f"| {name} | {wall:.3f} | {cpu:.3f} | {verdict} |")


if __name__ == "__main__":
    main()
