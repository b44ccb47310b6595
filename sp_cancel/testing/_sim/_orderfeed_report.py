"""The ProcessingReport an order feed produces: its ``Result`` records and the XML writer."""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

__all__ = ["ReportResult", "render_processing_report"]


@dataclass(frozen=True, slots=True)
class ReportResult:
    """One ``Result`` of a ProcessingReport."""

    message_id: int
    code: int
    description: str
    severity: str = "Error"
    order_id: str | None = None
    order_item_id: str | None = None


def render_processing_report(
    seller_id: str, feed_id: str, processed: int, results: list[ReportResult], *, messages_with_error: int
) -> bytes:
    """Write a ProcessingReport envelope as Amazon does (``MessageType`` ProcessingReport, ``MessageID`` 1)."""
    warned = len(
        {r.message_id for r in results if r.severity == "Warning"}
        - {r.message_id for r in results if r.severity == "Error"}
    )
    successful = max(processed - messages_with_error, 0)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        (
            '<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">\n'
        ),
        "\t<Header>\n\t\t<DocumentVersion>1.02</DocumentVersion>\n",
        f"\t\t<MerchantIdentifier>{escape(seller_id)}</MerchantIdentifier>\n\t</Header>\n",
        "\t<MessageType>ProcessingReport</MessageType>\n\t<Message>\n\t\t<MessageID>1</MessageID>\n",
        "\t\t<ProcessingReport>\n",
        f"\t\t\t<DocumentTransactionID>{escape(feed_id)}</DocumentTransactionID>\n",
        "\t\t\t<StatusCode>Complete</StatusCode>\n\t\t\t<ProcessingSummary>\n",
        f"\t\t\t\t<MessagesProcessed>{processed}</MessagesProcessed>\n",
        f"\t\t\t\t<MessagesSuccessful>{successful}</MessagesSuccessful>\n",
        f"\t\t\t\t<MessagesWithError>{messages_with_error}</MessagesWithError>\n",
        f"\t\t\t\t<MessagesWithWarning>{warned}</MessagesWithWarning>\n",
        "\t\t\t</ProcessingSummary>\n",
    ]
    for result in results:
        out.append(
            f"\t\t\t<Result>\n\t\t\t\t<MessageID>{result.message_id}</MessageID>\n"
            f"\t\t\t\t<ResultCode>{result.severity}</ResultCode>\n"
            f"\t\t\t\t<ResultMessageCode>{result.code}</ResultMessageCode>\n"
            f"\t\t\t\t<ResultDescription>{escape(result.description)}</ResultDescription>\n"
        )
        if result.order_id or result.order_item_id:
            out.append("\t\t\t\t<AdditionalInfo>\n")
            if result.order_id:
                out.append(f"\t\t\t\t\t<AmazonOrderID>{escape(result.order_id)}</AmazonOrderID>\n")
            if result.order_item_id:
                out.append(f"\t\t\t\t\t<AmazonOrderItemCode>{escape(result.order_item_id)}</AmazonOrderItemCode>\n")
            out.append("\t\t\t\t</AdditionalInfo>\n")
        out.append("\t\t\t</Result>\n")
    out.append("\t\t</ProcessingReport>\n\t</Message>\n</AmazonEnvelope>\n")
    return "".join(out).encode("utf-8")
