"""Check recorded simulator exchanges against Amazon's contracts: models, XSDs and JSON schemas.

``ContractChecker(contracts_dir).check(records)`` takes ``(test id, Exchange)`` pairs
(see ``sp_cancel.testing.Exchange``) and returns a :class:`Report`: every violation
found, and what was checked.

What is checked:

* **SP-API requests sent by our client** (``User-Agent: sp-cancel/...``): the path matches
  an operation of a model; path parameters, query parameters (declared names, required,
  type, enum, bounds, pattern, ``date-time``, csv arrays and their item counts) and the
  JSON body (Draft 4, ``$ref`` under ``definitions``) meet it; a body goes with
  ``Content-Type: application/json``; the ``x-amz-access-token`` header is there.
* **Every simulator answer** to an SP-API path (whoever asked): the status is one the
  operation declares and the body validates against that status's schema (but for the simulator's own
  501 ``NotSimulated``, marked ``x-sp-cancel-simulator: not-simulated``, which no model describes).
* **Feed documents** uploaded for a ``createFeedDocument`` our client called: XML against
  ``xsd/order-feeds-envelope.xsd``, JSON against ``schemas/listings-feed-schema-v2.json``;
  the upload's ``Content-Type`` equals the ``contentType`` asked for; the envelope's
  ``MessageType`` fits the ``feedType`` it was submitted as.
* **Result documents**: processing reports of XML feeds against the envelope XSD, of
  ``JSON_LISTINGS_FEED`` against ``listings-feed-processing-report-schema-v2.json``; the
  seller performance report against ``accountHealthReport-2020-11-18.json``.
* **LWA token exchange**: the form (``grant_type``, ``refresh_token``, ``client_id``,
  ``client_secret``) and the answer (``access_token``, ``token_type``, ``expires_in``, or
  ``error``/``error_description``), per facts §11.

Not in the models, checked against the shapes in facts instead: Orders 2026-01-01
``cancelOrder`` (facts §3.2) and Promotions 2025-12-01 (facts §9). Answers shaped by an
injected fault that Amazon's gateways produce outside any model (``html_504``,
``empty_200``, ``drop``, ``timeout_after_commit``) are counted, not checked.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

import fastjsonschema
import jsonschema
from lxml import etree

from sp_cancel.testing import Exchange
from sp_cancel.testing._sim.core import NOT_SIMULATED_HEADER

OUR_USER_AGENT = "sp-cancel/"
_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options"})
# Answers no model describes: a gateway page, an empty body, or none at all (the connection dropped).
_GATEWAY_FAULTS = frozenset({"html_504", "empty_200", "drop", "timeout_after_commit", "drop_after_commit"})
_GZIP_MAGIC = b"\x1f\x8b"
_XML_FEED_MESSAGE_TYPES = {
    "POST_ORDER_ACKNOWLEDGEMENT_DATA": "OrderAcknowledgement",
    "POST_PAYMENT_ADJUSTMENT_DATA": "OrderAdjustment",
}
_LWA_ERRORS = frozenset(
    {
        # Amazon's Java client enum (facts §11) plus RFC 6749 §5.2's unsupported_grant_type.
        "access_denied",
        "invalid_grant",
        "invalid_request",
        "invalid_scope",
        "server_error",
        "temporarily_unavailable",
        "unauthorized_client",
        "invalid_client",
        "unsupported_grant_type",
    }
)
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")

Record = tuple[str, Exchange]


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.match(value):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


FORMATS = jsonschema.FormatChecker(formats=())
FORMATS.checks("date-time")(_is_date_time)


# -- the two operations not in the public models, written down from facts §3.2 and §9 ---------------

_ERROR_LIST: dict[str, Any] = {
    "type": "object",
    "required": ["errors"],
    "properties": {
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "details": {"type": "string"},
                },
            },
        }
    },
}
_ERRORS = {
    str(s): {"schema": {"$ref": "#/definitions/ErrorList"}} for s in (400, 401, 403, 404, 413, 415, 429, 500, 503)
}
_PROMOTION_SUMMARY: dict[str, Any] = {
    "type": "object",
    "required": ["promotionId", "promotionType", "status", "marketplaceId"],
    "properties": {
        "promotionId": {"type": "string"},
        "promotionTitle": {"type": "string"},
        "promotionType": {"type": "string", "enum": ["BASKET_BUILDING", "DEAL", "PRICE_DISCOUNT", "COUPON"]},
        "status": {
            "type": "string",
            "enum": ["PROCESSING", "UPCOMING", "RUNNING", "EXPIRED", "FAILED", "CANCELLING", "CANCELLED"],
        },
        "marketplaceId": {"type": "string"},
        "trackingId": {"type": "string"},
        "couponType": {"type": "string"},
        "schedule": {
            "type": "object",
            "properties": {
                "startDate": {"type": "string", "format": "date-time"},
                "endDate": {"type": "string", "format": "date-time"},
            },
        },
        "selection": {"type": "object"},
        "createdDate": {"type": "string", "format": "date-time"},
        "lastUpdatedDate": {"type": "string", "format": "date-time"},
    },
}
_DATE_QUERY = {"in": "query", "type": "string", "format": "date-time"}
_PROMOTION_FILTERS: list[dict[str, Any]] = [
    {
        "name": "marketplaceIds",
        "in": "query",
        "required": True,
        "type": "array",
        "maxItems": 1,
        "items": {"type": "string"},
    },
    {"name": "statuses", "in": "query", "type": "array", "items": _PROMOTION_SUMMARY["properties"]["status"]},
    {
        "name": "promotionTypes",
        "in": "query",
        "type": "array",
        "items": _PROMOTION_SUMMARY["properties"]["promotionType"],
    },
    {"name": "asins", "in": "query", "type": "array", "maxItems": 10, "items": {"type": "string"}},
    {"name": "skus", "in": "query", "type": "array", "maxItems": 10, "items": {"type": "string"}},
    *({"name": name, **_DATE_QUERY} for name in ("startDateBefore", "startDateAfter", "endDateBefore", "endDateAfter")),
    *({"name": name, **_DATE_QUERY} for name in ("updateDateAfter", "updateDateBefore")),
    {"name": "paginationToken", "in": "query", "type": "string"},
    {"name": "limit", "in": "query", "type": "integer", "minimum": 1, "maximum": 100},
    {"name": "revision", "in": "query", "type": "string"},
    {"name": "includedData", "in": "query", "type": "array", "items": {"type": "string"}},
    {"name": "locale", "in": "query", "type": "string", "pattern": "^[a-z]{2}_[A-Z]{2}$"},
]
FACTS_MODELS: dict[str, dict[str, Any]] = {
    "facts §3.2 (Orders 2026-01-01 cancelOrder, withdrawn from the model)": {
        "definitions": {
            "ErrorList": _ERROR_LIST,
            "CancelOrderRequest": {
                "type": "object",
                "required": ["cancelReasonCode"],
                "properties": {
                    "cancelReasonCode": {
                        "type": "string",
                        "enum": [
                            "NO_INVENTORY",
                            "BUYER_CANCELLED",
                            "SHIPPING_ADDRESS_UNDELIVERABLE",
                            "CUSTOMER_EXCHANGE",
                            "PRICING_ERROR",
                        ],
                    }
                },
            },
        },
        "paths": {
            "/orders/2026-01-01/orders/{orderId}/cancellation": {
                "put": {
                    "operationId": "cancelOrder",
                    "parameters": [
                        {"name": "orderId", "in": "path", "required": True, "type": "string"},
                        {
                            "name": "body",
                            "in": "body",
                            "required": True,
                            "schema": {"$ref": "#/definitions/CancelOrderRequest"},
                        },
                    ],
                    "responses": {"202": {"schema": {"type": "object", "maxProperties": 0}}, **_ERRORS},
                }
            }
        },
    },
    "facts §9 (Promotions 2025-12-01, not in the public models)": {
        "definitions": {"ErrorList": _ERROR_LIST, "PromotionSummary": _PROMOTION_SUMMARY},
        "paths": {
            "/promotions/2025-12-01/promotions": {
                "get": {
                    "operationId": "searchPromotions",
                    "parameters": _PROMOTION_FILTERS,
                    "responses": {
                        "200": {
                            "schema": {
                                "type": "object",
                                "required": ["promotions"],
                                "properties": {
                                    "promotions": {
                                        "type": "array",
                                        "items": {"$ref": "#/definitions/PromotionSummary"},
                                    },
                                    "pagination": {"type": "object", "properties": {"nextToken": {"type": "string"}}},
                                },
                            }
                        },
                        **_ERRORS,
                    },
                }
            },
            "/promotions/2025-12-01/promotions/{promotionId}": {
                "get": {
                    "operationId": "getPromotion",
                    "parameters": [
                        {"name": "promotionId", "in": "path", "required": True, "type": "string"},
                        {"name": "includedData", "in": "query", "type": "array", "items": {"type": "string"}},
                        {"name": "locale", "in": "query", "type": "string", "pattern": "^[a-z]{2}_[A-Z]{2}$"},
                    ],
                    "responses": {"200": {"schema": {"$ref": "#/definitions/PromotionSummary"}}, **_ERRORS},
                }
            },
        },
    },
}


# -- operations -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OperationSpec:
    """One operation of one model: where it lives and what it accepts and answers."""

    model: str
    operation_id: str
    method: str
    template: str
    pattern: re.Pattern[str]
    parameters: tuple[Mapping[str, Any], ...]
    responses: Mapping[str, Any]
    definitions: Mapping[str, Any] = field(repr=False)

    @property
    def name(self) -> str:
        """``model:operationId``."""
        return f"{self.model}:{self.operation_id}"


def _operations(model_name: str, model: Mapping[str, Any]) -> Iterable[OperationSpec]:
    shared = model.get("parameters", {})

    def resolve(param: Mapping[str, Any]) -> Mapping[str, Any]:
        ref = param.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/parameters/"):
            resolved: Mapping[str, Any] = shared[ref.rsplit("/", 1)[1]]
            return resolved
        return param

    for template, item in model["paths"].items():
        path_level = [resolve(p) for p in item.get("parameters", [])]
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        for method, op in item.items():
            if method not in _METHODS:
                continue
            own = [resolve(p) for p in op.get("parameters", [])]
            names = {(p["name"], p["in"]) for p in own}
            merged = [*own, *(p for p in path_level if (p["name"], p["in"]) not in names)]
            yield OperationSpec(
                model=model_name,
                operation_id=op.get("operationId", f"{method} {template}"),
                method=method.upper(),
                template=template,
                pattern=re.compile(f"^{regex}$"),
                parameters=tuple(merged),
                responses=op["responses"],
                definitions=model.get("definitions", {}),
            )


class ModelIndex:
    """Every operation of every model in ``models/`` (plus :data:`FACTS_MODELS`), found by method and path."""

    def __init__(self, contracts_dir: Path) -> None:
        self.specs: list[OperationSpec] = []
        for path in sorted((contracts_dir / "models").glob("*.json")):
            self.specs.extend(_operations(path.stem, json.loads(path.read_text(encoding="utf-8"))))
        for name, model in FACTS_MODELS.items():
            self.specs.extend(_operations(name, model))
        # A literal segment beats a parameter: /orders/v0/orders/{orderId}/orderItems before .../{x}/{y}.
        self.specs.sort(key=lambda s: (s.template.count("{"), -len(s.template)))

    def find(self, method: str, path: str) -> tuple[OperationSpec, dict[str, str]] | None:
        """The operation serving ``method path`` and its decoded path parameters, or ``None``."""
        for spec in self.specs:
            if spec.method != method:
                continue
            found = spec.pattern.match(path)
            if found:
                return spec, {k: unquote(v) for k, v in found.groupdict().items()}
        return None


# -- single values against Swagger parameter definitions --------------------------------------------


def _scalar_problems(name: str, value: str, spec: Mapping[str, Any]) -> list[str]:  # noqa: C901, PLR0912 - one rule per keyword
    kind = spec.get("type", "string")
    problems: list[str] = []
    number: float | None = None
    if kind == "integer":
        if not re.fullmatch(r"-?\d+", value):
            return [f"{name}={value!r} is not an integer"]
        number = int(value)
    elif kind == "number":
        try:
            number = float(value)
        except ValueError:
            return [f"{name}={value!r} is not a number"]
    elif kind == "boolean" and value not in {"true", "false"}:
        return [f"{name}={value!r} is not a boolean (true|false)"]
    if "enum" in spec and value not in [str(v) for v in spec["enum"]]:
        problems.append(f"{name}={value!r} is not one of {spec['enum']}")
    if number is not None:
        if "minimum" in spec and number < spec["minimum"]:
            problems.append(f"{name}={value} is below the minimum {spec['minimum']}")
        if "maximum" in spec and number > spec["maximum"]:
            problems.append(f"{name}={value} is above the maximum {spec['maximum']}")
    if kind == "string":
        if "maxLength" in spec and len(value) > spec["maxLength"]:
            problems.append(f"{name} is longer than maxLength {spec['maxLength']}")
        if "minLength" in spec and len(value) < spec["minLength"]:
            problems.append(f"{name} is shorter than minLength {spec['minLength']}")
        if "pattern" in spec and not re.search(spec["pattern"], value):
            problems.append(f"{name}={value!r} does not match {spec['pattern']!r}")
        if spec.get("format") == "date-time" and not _is_date_time(value):
            problems.append(f"{name}={value!r} is not an ISO 8601 date-time with a zone")
    return problems


def _query_problems(spec: OperationSpec, query: Mapping[str, list[str]]) -> list[str]:  # noqa: C901 - one rule per keyword
    declared = {p["name"]: p for p in spec.parameters if p["in"] == "query"}
    problems = [f"query parameter {name!r} is not declared" for name in sorted(set(query) - set(declared))]
    for name, param in declared.items():
        values = query.get(name)
        if not values:
            if param.get("required"):
                problems.append(f"required query parameter {name!r} is missing")
            continue
        if param.get("type") == "array":
            fmt = param.get("collectionFormat", "csv")
            if fmt == "multi":
                items = values
            elif len(values) > 1:
                problems.append(f"{name} is sent {len(values)} times; the model's collectionFormat is {fmt}")
                items = [v for value in values for v in value.split(",")]
            else:
                items = values[0].split(",")
            if "maxItems" in param and len(items) > param["maxItems"]:
                problems.append(f"{name} has {len(items)} items; maxItems is {param['maxItems']}")
            if "minItems" in param and len(items) < param["minItems"]:
                problems.append(f"{name} has {len(items)} items; minItems is {param['minItems']}")
            for item in items:
                problems.extend(_scalar_problems(name, item, param.get("items", {})))
        elif len(values) > 1:
            problems.append(f"{name} is sent {len(values)} times but is not an array")
        else:
            problems.extend(_scalar_problems(name, values[0], param))
    return problems


def _path_problems(spec: OperationSpec, values: Mapping[str, str]) -> list[str]:
    problems = []
    for param in spec.parameters:
        if param["in"] == "path" and param["name"] in values:
            problems.extend(_scalar_problems(param["name"], values[param["name"]], param))
    return problems


# -- the checker -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Violation:
    """One breach of a contract, with the test and the request that showed it."""

    test: str
    exchange: str
    contract: str
    problem: str

    def __str__(self) -> str:
        return f"{self.test}\n    {self.exchange}\n    [{self.contract}] {self.problem}"


@dataclass
class Report:
    """What a check found and covered."""

    violations: list[Violation] = field(default_factory=list)
    requests_checked: Counter[str] = field(default_factory=Counter)
    responses_checked: Counter[str] = field(default_factory=Counter)
    documents_checked: Counter[str] = field(default_factory=Counter)
    not_checked: Counter[str] = field(default_factory=Counter)

    def add(self, test: str, exchange: Exchange, contract: str, problem: str) -> None:
        """Record a violation (the same problem of the same test and request once)."""
        where = f"{exchange.method} {exchange.path} -> {exchange.status}"
        violation = Violation(test, where, contract, problem)
        if violation not in self.violations:
            self.violations.append(violation)

    def summary(self) -> str:
        """Counts per contract, for the failure message and the terminal."""
        lines = [f"requests checked: {sum(self.requests_checked.values())} {dict(self.requests_checked)}"]
        lines.append(f"responses checked: {sum(self.responses_checked.values())} {dict(self.responses_checked)}")
        lines.append(f"documents checked: {sum(self.documents_checked.values())} {dict(self.documents_checked)}")
        lines.append(f"not checked: {dict(self.not_checked)}")
        return "\n".join(lines)


def _json(body: bytes) -> Any:
    return json.loads(body.decode("utf-8"))


def _is_ours(exchange: Exchange) -> bool:
    return exchange.request_headers.get("user-agent", "").startswith(OUR_USER_AGENT)


@dataclass
class _Documents:
    """Per simulator: what each document id is for, from the JSON exchanges around it."""

    content_type: dict[str, str] = field(default_factory=dict)  # feed documents our client created
    feed_type: dict[str, str] = field(default_factory=dict)  # input document -> feedType (createFeed)
    result_feed_type: dict[str, str] = field(default_factory=dict)  # result document -> feedType (getFeed)
    report_type: dict[str, str] = field(default_factory=dict)  # report document -> reportType (getReport)


class ContractChecker:
    """Validates exchanges against the contracts in ``contracts_dir`` (see the module docstring)."""

    def __init__(self, contracts_dir: Path) -> None:
        self.dir = contracts_dir
        self.index = ModelIndex(contracts_dir)
        self._validators: dict[int, jsonschema.Draft4Validator] = {}
        self._compiled: dict[int, Any] = {}

    @cached_property
    def envelope(self) -> etree.XMLSchema:
        """The order-feeds envelope XSD (acknowledgement, adjustment, processing report)."""
        return etree.XMLSchema(etree.parse(str(self.dir / "xsd" / "order-feeds-envelope.xsd")))

    def _schema(self, name: str) -> jsonschema.Draft7Validator:
        return jsonschema.Draft7Validator(json.loads((self.dir / "schemas" / name).read_text(encoding="utf-8")))

    @cached_property
    def listings_feed(self) -> jsonschema.Draft7Validator:
        """listings-feed-schema-v2.json."""
        return self._schema("listings-feed-schema-v2.json")

    @cached_property
    def listings_report(self) -> jsonschema.Draft7Validator:
        """listings-feed-processing-report-schema-v2.json."""
        return self._schema("listings-feed-processing-report-schema-v2.json")

    @cached_property
    def account_health(self) -> jsonschema.Draft7Validator:
        """accountHealthReport-2020-11-18.json (GET_V2_SELLER_PERFORMANCE_REPORT)."""
        return self._schema("accountHealthReport-2020-11-18.json")

    def _validator(self, spec: OperationSpec, schema: Mapping[str, Any]) -> jsonschema.Draft4Validator:
        key = id(schema)
        validator = self._validators.get(key)
        if validator is None:
            rooted = {**schema, "definitions": spec.definitions}
            validator = self._validators[key] = jsonschema.Draft4Validator(rooted, format_checker=FORMATS)
        return validator

    def _fast(self, spec: OperationSpec, schema: Mapping[str, Any]) -> Any:
        key = id(schema)
        if key not in self._compiled:
            rooted = {**schema, "definitions": spec.definitions, "$schema": "http://json-schema.org/draft-04/schema#"}
            try:
                self._compiled[key] = fastjsonschema.compile(rooted, formats={"date-time": _is_date_time})
            except fastjsonschema.JsonSchemaDefinitionException:
                self._compiled[key] = None
        return self._compiled[key]

    def _schema_problems(self, spec: OperationSpec, schema: Mapping[str, Any], data: Any) -> list[str]:
        # fastjsonschema says "valid" quickly; jsonschema, slower, says precisely what is wrong.
        fast = self._fast(spec, schema)
        if fast is not None:
            try:
                fast(data)
            except fastjsonschema.JsonSchemaValueException:
                pass
            else:
                return []
        errors = sorted(self._validator(spec, schema).iter_errors(data), key=lambda e: list(e.absolute_path))
        return [f"at /{'/'.join(str(p) for p in e.absolute_path)}: {e.message[:300]}" for e in errors[:5]]

    # -- entry point --------------------------------------------------------------------------------

    def check(self, records: Iterable[Record]) -> Report:
        """Check every record; return the violations and the coverage."""
        report = Report()
        records = list(records)
        documents: dict[int, _Documents] = {}
        for _, exchange in records:
            self._learn(documents.setdefault(exchange.simulator, _Documents()), exchange)
        seen_responses: set[tuple[str, int, int]] = set()
        for test, exchange in records:
            docs = documents[exchange.simulator]
            if exchange.operation == "lwa.token":
                self._check_lwa(report, test, exchange)
            elif exchange.operation == "document.upload":
                self._check_upload(report, docs, test, exchange)
            elif exchange.operation == "document.download":
                self._check_download(report, docs, test, exchange)
            else:
                self._check_api(report, seen_responses, test, exchange)
        return report

    def _learn(self, docs: _Documents, exchange: Exchange) -> None:
        if not 200 <= exchange.status < 300 or exchange.fault:
            return
        try:
            if exchange.operation == "feeds.createFeedDocument" and _is_ours(exchange):
                asked = _json(exchange.request_body)["contentType"]
                docs.content_type[_json(exchange.response_body)["feedDocumentId"]] = asked
            elif exchange.operation == "feeds.createFeed":
                body = _json(exchange.request_body)
                docs.feed_type[body["inputFeedDocumentId"]] = body["feedType"]
            elif exchange.operation == "feeds.getFeed":
                feed = _json(exchange.response_body)
                if feed.get("resultFeedDocumentId"):
                    docs.result_feed_type[feed["resultFeedDocumentId"]] = feed["feedType"]
            elif exchange.operation == "reports.getReport":
                got = _json(exchange.response_body)
                if got.get("reportDocumentId"):
                    docs.report_type[got["reportDocumentId"]] = got["reportType"]
        except (ValueError, KeyError, TypeError):
            return  # a malformed body is reported by the API checks

    # -- SP-API operations ------------------------------------------------------------------------

    def _check_api(self, report: Report, seen: set[tuple[str, int, int]], test: str, exchange: Exchange) -> None:
        found = self.index.find(exchange.method, exchange.path)
        if found is None:
            if _is_ours(exchange):
                report.add(test, exchange, "models", "no operation of any model has this method and path")
            else:
                report.not_checked["unknown path (not sent by our client)"] += 1
            return
        spec, path_values = found
        if _is_ours(exchange):
            report.requests_checked[spec.name] += 1
            for problem in self._request_problems(spec, path_values, exchange):
                report.add(test, exchange, spec.name, f"request: {problem}")
        if exchange.fault in _GATEWAY_FAULTS:
            report.not_checked[f"gateway fault {exchange.fault}"] += 1
            return
        if exchange.response_headers.get(NOT_SIMULATED_HEADER) == "not-simulated":
            report.not_checked["the simulator's NotSimulated answer (not Amazon's)"] += 1
            return
        key = (spec.name, exchange.status, hash(exchange.response_body))
        if key in seen:
            report.responses_checked[spec.name] += 1
            return
        seen.add(key)
        report.responses_checked[spec.name] += 1
        for problem in self._response_problems(spec, exchange):
            report.add(test, exchange, spec.name, f"response: {problem}")

    def _request_problems(self, spec: OperationSpec, path_values: Mapping[str, str], exchange: Exchange) -> list[str]:
        problems = _path_problems(spec, path_values) + _query_problems(spec, exchange.query)
        if not exchange.request_headers.get("x-amz-access-token"):
            problems.append("no x-amz-access-token header")
        body_param = next((p for p in spec.parameters if p["in"] == "body"), None)
        if body_param is None:
            if exchange.request_body:
                problems.append(f"a body is sent but the operation takes none: {exchange.request_body[:80]!r}")
            return problems
        if not exchange.request_body:
            if body_param.get("required"):
                problems.append("the required body is missing")
            return problems
        if not exchange.request_headers.get("content-type", "").startswith("application/json"):
            problems.append(f"body sent with Content-Type {exchange.request_headers.get('content-type')!r}")
        try:
            data = _json(exchange.request_body)
        except ValueError:
            return [*problems, "the body is not JSON"]
        return problems + [f"body {p}" for p in self._schema_problems(spec, body_param["schema"], data)]

    def _response_problems(self, spec: OperationSpec, exchange: Exchange) -> list[str]:
        declared = spec.responses.get(str(exchange.status)) or spec.responses.get("default")
        if declared is None:
            return [f"status {exchange.status} is not declared (the model declares {sorted(spec.responses)})"]
        schema = declared.get("schema")
        if schema is None:
            return (
                [f"status {exchange.status} has no body in the model: {exchange.response_body[:80]!r}"]
                if (exchange.response_body)
                else []
            )
        try:
            data = _json(exchange.response_body)
        except ValueError:
            return [f"the body is not JSON: {exchange.response_body[:80]!r}"]
        return self._schema_problems(spec, schema, data)

    # -- LWA ------------------------------------------------------------------------------------------

    def _check_lwa(self, report: Report, test: str, exchange: Exchange) -> None:
        contract = "LWA (facts §11)"
        form = {k: v[0] for k, v in parse_qs(exchange.request_body.decode("utf-8", "replace")).items()}
        if exchange.request_headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            report.requests_checked[contract] += 1
            grant = form.get("grant_type")
            needed = {"refresh_token": ("refresh_token", "client_id", "client_secret")}.get(
                grant or "", ("client_id", "client_secret", "scope")
            )
            if grant not in {"refresh_token", "client_credentials"}:
                report.add(test, exchange, contract, f"request: grant_type {grant!r}")
            missing = [name for name in needed if not form.get(name)]
            if missing:
                report.add(test, exchange, contract, f"request: form lacks {missing}")
        else:
            report.not_checked["LWA request not form-encoded"] += 1
        if exchange.fault in _GATEWAY_FAULTS or exchange.status >= 500:
            report.not_checked["LWA fault or 5xx"] += 1
            return
        report.responses_checked[contract] += 1
        try:
            data = _json(exchange.response_body)
        except ValueError:
            report.add(test, exchange, contract, "response: the body is not JSON")
            return
        if exchange.status == 200:
            shape_ok = (
                isinstance(data.get("access_token"), str)
                and str(data.get("token_type", "")).lower() == "bearer"
                and isinstance(data.get("expires_in"), int)
            )
            if not shape_ok:
                report.add(test, exchange, contract, f"response: not {{access_token, token_type, expires_in}}: {data}")
        elif data.get("error") not in _LWA_ERRORS or not isinstance(data.get("error_description", ""), str):
            report.add(test, exchange, contract, f"response: not an OAuth error: {data}")

    # -- documents ------------------------------------------------------------------------------------

    def _check_upload(self, report: Report, docs: _Documents, test: str, exchange: Exchange) -> None:
        document_id = unquote(exchange.path.rsplit("/", 1)[-1])
        asked = docs.content_type.get(document_id)
        if asked is None:
            report.not_checked["upload of a document our client did not create"] += 1
            return
        sent = exchange.request_headers.get("content-type", "")
        if sent != asked:
            report.add(
                test, exchange, "S3 presigned PUT", f"Content-Type {sent!r} but createFeedDocument asked {asked!r}"
            )
        feed_type = docs.feed_type.get(document_id)
        body = exchange.request_body
        if "xml" in asked:
            contract = "xsd/order-feeds-envelope.xsd"
            report.documents_checked[f"{feed_type or 'unsubmitted'} XML feed"] += 1
            for problem in self._xml_problems(body):
                report.add(test, exchange, contract, problem)
            expected = _XML_FEED_MESSAGE_TYPES.get(feed_type or "")
            if expected is not None:
                message_type = _message_type(body)
                if message_type != expected:
                    report.add(test, exchange, contract, f"{feed_type} carries MessageType {message_type!r}")
        elif "json" in asked:
            report.documents_checked[f"{feed_type or 'unsubmitted'} JSON feed"] += 1
            problems = self._json_problems(self.listings_feed, body)
            for problem in problems:
                report.add(test, exchange, "schemas/listings-feed-schema-v2.json", problem)
            if feed_type not in {None, "JSON_LISTINGS_FEED"}:
                report.add(test, exchange, "feeds", f"a JSON document submitted as {feed_type}")
        else:
            report.not_checked[f"feed document of type {asked}"] += 1

    def _check_download(self, report: Report, docs: _Documents, test: str, exchange: Exchange) -> None:
        if exchange.status != 200 or exchange.fault:
            report.not_checked["download fault or error"] += 1
            return
        document_id = unquote(exchange.path.rsplit("/", 1)[-1])
        body = exchange.response_body
        if body.startswith(_GZIP_MAGIC):
            body = gzip.decompress(body)
        feed_type = docs.result_feed_type.get(document_id)
        report_type = docs.report_type.get(document_id)
        if feed_type == "JSON_LISTINGS_FEED":
            report.documents_checked["JSON_LISTINGS_FEED processing report"] += 1
            for problem in self._json_problems(self.listings_report, body):
                report.add(test, exchange, "schemas/listings-feed-processing-report-schema-v2.json", problem)
        elif feed_type in _XML_FEED_MESSAGE_TYPES:
            report.documents_checked[f"{feed_type} processing report"] += 1
            for problem in self._xml_problems(body):
                report.add(test, exchange, "xsd/order-feeds-envelope.xsd", problem)
        elif report_type == "GET_V2_SELLER_PERFORMANCE_REPORT":
            report.documents_checked[report_type] += 1
            body, renamed = _canonical_cancel_rate_key(body)
            if renamed:
                report.not_checked["performance report in the schema example's prefulfillmentCancelRate spelling"] += 1
            for problem in self._json_problems(self.account_health, body):
                report.add(test, exchange, "schemas/accountHealthReport-2020-11-18.json", problem)
        else:
            report.not_checked[f"download: {feed_type or report_type or 'unattributed'} (no schema)"] += 1

    def _xml_problems(self, body: bytes) -> list[str]:
        try:
            tree = etree.fromstring(body)
        except etree.XMLSyntaxError as exc:
            return [f"not well-formed XML: {exc}"]
        if self.envelope.validate(tree):
            return []
        return [f"line {e.line}: {e.message}" for e in list(self.envelope.error_log)[:5]]

    @staticmethod
    def _json_problems(validator: jsonschema.Draft7Validator, body: bytes) -> list[str]:
        try:
            data = _json(body)
        except ValueError as exc:
            return [f"not JSON: {exc}"]
        errors = list(validator.iter_errors(data))[:5]
        return [f"at /{'/'.join(str(p) for p in e.absolute_path)}: {e.message[:300]}" for e in errors]


def _message_type(body: bytes) -> str | None:
    try:
        found = etree.fromstring(body).findtext("MessageType")
    except etree.XMLSyntaxError:
        return None
    return found


def _canonical_cancel_rate_key(body: bytes) -> tuple[bytes, bool]:
    """Rename the schema example's ``prefulfillmentCancelRate`` to the schema's property (facts §1.7, §10).

    Amazon's own example spells the property differently from its schema; the simulator can serve either
    (``cancel_rate_key``), and the rest of the document must still meet the schema.
    """
    try:
        data = _json(body)
    except ValueError:
        return body, False
    renamed = False
    for metric in data.get("performanceMetrics", []) if isinstance(data, dict) else []:
        if isinstance(metric, dict) and "prefulfillmentCancelRate" in metric:
            metric.setdefault("preFulfillmentCancellationRate", metric.pop("prefulfillmentCancelRate"))
            renamed = True
    return (json.dumps(data).encode() if renamed else body), renamed
