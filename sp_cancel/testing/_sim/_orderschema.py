r"""A hand-written mirror of Amazon's order-feed XSDs, for the simulator's order feeds.

Mirrors ``order-feeds-envelope.xsd`` and what it includes (``amzn-base.xsd``
2012, ``amzn-header.xsd``, ``OrderAcknowledgement.xsd`` rev 7,
``OrderAdjustment.xsd`` rev 12, ``ProcessingReport.xsd``); the XSD files do not
ship with the package, so they are never loaded. Enforced: element order
(``xsd:sequence``), ``minOccurs``/``maxOccurs``, choices, enumerations,
patterns (with XSD's own ``\w``: any character but punctuation, separators
and "other"), lengths, the ``positiveInteger``/``decimal``/``boolean``/
``dateTime`` lexical spaces, ``totalDigits``/``fractionDigits`` on values
(libxml2's reading: leading zeros and trailing fractional zeros do not count),
stray text in element-only content, and unknown attributes (only
``xsi:noNamespaceSchemaLocation``/``xsi:schemaLocation`` are allowed anywhere).
Error texts follow Xerces (``cvc-...``), which Amazon quotes in its
``XML Parsing Error at Line N, Column M: ...`` descriptions.

The data types live in :mod:`._orderschema_types` and the message bodies in
:mod:`._orderschema_messages`; this module holds the envelope, the header and
the validator.

While it checks, the validator turns the document into plain records so the
business rules never walk the tree again: a simple element becomes its text
(an ``Amount`` becomes ``(text, currency-or-None)``), a complex element a
``dict`` of child name to record (a list of records for repeatable children).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final, cast

from lxml import etree

from sp_cancel.testing._sim._orderschema_messages import (
    _ACK,
    _ADJ,
    _REPORT,
    CANCEL_REASONS,
    COMPONENT_TYPES,
    CURRENCIES,
)
from sp_cancel.testing._sim._orderschema_types import (
    _ID_NUMBER,
    _STRING50,
    _UNBOUNDED,
    _WS,
    SimpleCheck,
    _check_boolean,
    _check_datetime,
    _Complex,
    _enum,
    _p,
    _Particle,
    _regex,
    _Simple,
)

__all__ = ["CANCEL_REASONS", "COMPONENT_TYPES", "CURRENCIES", "Record", "validate_envelope"]

Record = dict[str, Any]

_XSI: Final = "{http://www.w3.org/2001/XMLSchema-instance}"
_XSI_ALLOWED: Final = frozenset({f"{_XSI}noNamespaceSchemaLocation", f"{_XSI}schemaLocation"})


class _Invalid(Exception):  # noqa: N818 - internal control flow, never escapes this module
    """A schema violation at ``element``."""

    def __init__(self, element: etree._Element, message: str) -> None:
        super().__init__(message)
        self.element = element
        self.message = message


_HEADER: Final = _Complex(
    (
        _p("DocumentVersion", _regex(r"\d{1,2}\.\d{1,2}", "#AnonType_DocumentVersionHeader")),
        _p("MerchantIdentifier", _STRING50),
        _p("OverrideReleaseId", _regex(r"\d{1,4}\.\d{1,4}", "#AnonType_OverrideReleaseIdHeader"), 0),
    )
)
_MESSAGE: Final = _Complex(
    (
        _p("MessageID", _ID_NUMBER),
        _p("OperationType", _enum(("Update", "Delete", "PartialUpdate")), 0),
        _Particle({"OrderAcknowledgement": _ACK, "OrderAdjustment": _ADJ, "ProcessingReport": _REPORT}),
    )
)
_ENVELOPE: Final = _Complex(
    (
        _p("Header", _HEADER),
        _p("MessageType", _enum(("OrderAcknowledgement", "OrderAdjustment", "ProcessingReport"))),
        _p("PurgeAndReplace", _Simple(_check_boolean), 0),
        _p("EffectiveDate", _Simple(_check_datetime), 0),
        _p("Message", _MESSAGE, 1, _UNBOUNDED),
    )
)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _check_attributes(element: etree._Element, allowed: Mapping[str, SimpleCheck]) -> None:
    for name, value in element.attrib.items():
        key = str(name)
        check = allowed.get(key)
        if check is not None:
            error = check(str(value))
            if error:
                raise _Invalid(
                    element, error.replace("cvc-enumeration-valid", "cvc-attribute.3: cvc-enumeration-valid")
                )
        elif key not in _XSI_ALLOWED:
            raise _Invalid(
                element,
                f"cvc-complex-type.3.2.2: Attribute '{_local(key)}' is not allowed to appear in element "
                f"'{_local(str(element.tag))}'.",
            )


def _simple_value(element: etree._Element) -> str:
    parts = [element.text or ""]
    for child in element:
        tag: object = child.tag
        if type(tag) is str:
            raise _Invalid(
                element,
                f"cvc-type.3.1.2: Element '{_local(element.tag)}' is a simple type, so it must have no element "
                "information item [children].",
            )
        parts.append(child.tail or "")
    return "".join(parts)


def _expected(particles: tuple[_Particle, ...], start: int) -> str:
    names: list[str] = []
    for particle in particles[start:]:
        names.extend(particle.types)
        if particle.min > 0:
            break
    return "{" + ", ".join(names) + "}"


def _char_error(name: str) -> str:
    return (
        f"cvc-complex-type.2.3: Element '{name}' cannot have character [children], because the type's "
        "content type is element-only."
    )


def _structure_error(element: etree._Element, particles: tuple[_Particle, ...]) -> _Invalid:
    """Run the exact streaming match over ``element``'s children and return the first structural error."""
    last = len(particles)
    position = seen = 0
    for child in element:
        tag: object = child.tag
        if type(tag) is not str:
            continue
        while True:
            if position == last:
                return _Invalid(
                    child,
                    f"cvc-complex-type.2.4.d: Invalid content was found starting with element "
                    f"'{_local(tag)}'. No child element is expected at this point.",
                )
            particle = particles[position]
            if tag in particle.types and seen < particle.max:
                seen += 1
                break
            if seen < particle.min:
                return _Invalid(
                    child,
                    f"cvc-complex-type.2.4.a: Invalid content was found starting with element "
                    f"'{_local(tag)}'. One of '{_expected(particles, position)}' is expected.",
                )
            position += 1
            seen = 0
    while position < last:
        if seen < particles[position].min:
            break
        position += 1
        seen = 0
    return _Invalid(
        element,
        f"cvc-complex-type.2.4.b: The content of element '{_local(element.tag)}' is not complete. "
        f"One of '{_expected(particles, position)}' is expected.",
    )


def _complex(element: etree._Element, typ: _Complex) -> Record:  # noqa: C901, PLR0912 - a hot loop, kept flat
    """Check ``element`` against ``typ`` (attributes, stray text, the sequence, streaming) and return its record."""
    if element.attrib:
        _check_attributes(element, {})
    text = element.text
    if text and text.strip(_WS):
        raise _Invalid(element, _char_error(_local(element.tag)))
    record: Record = {}
    index, mins, required = typ.index, typ.mins, typ.next_required
    position = seen = 0
    for child in element:
        tail = child.tail
        if tail and tail.strip(_WS):
            raise _Invalid(element, _char_error(_local(element.tag)))
        tag: object = child.tag
        if type(tag) is not str:  # comment or processing instruction: ignored by XSD
            continue
        entry = index.get(tag)
        if entry is None:
            raise _structure_error(element, typ.particles)
        at, maximum, child_type = entry
        if at != position:
            if at < position or seen < mins[position] or required[position + 1] < at:
                raise _structure_error(element, typ.particles)
            position, seen = at, 0
        elif seen >= maximum:
            raise _structure_error(element, typ.particles)
        value: Any
        if type(child_type) is _Simple:
            if child.attrib:
                _check_attributes(child, child_type.attributes)
            value = _simple_value(child) if len(child) else (child.text or "")
            if value not in child_type.known:
                error = child_type.check(value)
                if error:
                    raise _Invalid(child, error)
            if child_type.attributes:
                value = (value, child.get("currency"))
        else:
            value = _complex(child, cast("_Complex", child_type))
        if maximum == 1:
            record[tag] = value
        elif seen:
            record[tag].append(value)
        else:
            record[tag] = [value]
        seen += 1
    if seen < mins[position] or required[position + 1] < len(typ.particles):
        raise _structure_error(element, typ.particles)
    return record


def _column(content: bytes, element: etree._Element) -> tuple[int, int]:
    """Best-effort (line, column) of the end of ``element``'s start tag, as Xerces reports it."""
    line = cast("int | None", element.sourceline) or 1
    lines = content.splitlines()
    if line > len(lines):
        return line, 1
    text = lines[line - 1].decode("utf-8", "replace")
    tag = _local(str(element.tag))
    same_line = [e for e in element.getroottree().iter(element.tag) if cast("int | None", e.sourceline) == line]
    nth = next((i for i, e in enumerate(same_line) if e is element), 0)
    starts = [m.start() for m in re.finditer(rf"<{re.escape(tag)}(?=[\s/>])", text)]
    if nth >= len(starts):
        return line, 1
    end = text.find(">", starts[nth])
    return line, (end + 2 if end >= 0 else 1)


def _validate_root(root: etree._Element) -> Record:
    if root.tag != "AmazonEnvelope":
        raise _Invalid(root, f"cvc-elt.1: Cannot find the declaration of element '{_local(str(root.tag))}'.")
    return _complex(root, _ENVELOPE)


def validate_envelope(content: bytes) -> tuple[Record | None, str | None]:
    """Parse and schema-check an order-feed document.

    Returns:
        ``(record, None)`` when the document is valid against the order-feed envelope (see the module doc),
        else ``(None, description)`` with an Amazon-style ``XML Parsing Error at Line N, Column M: ...``.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
    try:
        root = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        return None, f"XML Parsing Error at Line {line}, Column {column}: {exc.msg}"
    tree = root.getroottree()
    if getattr(tree.docinfo, "doctype", ""):
        return None, (
            "XML Parsing Error at Line 1, Column 1: DOCTYPE is disallowed when the feature "
            '"http://apache.org/xml/features/disallow-doctype-decl" set to true.'
        )
    try:
        record = _validate_root(root)
    except _Invalid as invalid:
        line, column = _column(content, invalid.element)
        return None, f"XML Parsing Error at Line {line}, Column {column}: {invalid.message}"
    return record, None
