"""SP-API plumbing: the only package that imports ``sp_api`` and ``httpx``.

``SpApi`` makes every SP-API call sp_cancel needs (LWA token, rate limiter,
retries, one typed error per failure) and moves feed/report documents to and
from S3 through the same injected ``httpx.Client``.
"""

import httpx

from sp_cancel._operations import OPERATIONS, Operation, operation
from sp_cancel.transport._api import SpApi
from sp_cancel.transport._base import DOWNLOAD_OPERATION, UPLOAD_OPERATION
from sp_cancel.transport._endpoints import DEFAULT_TOKEN_URL, Marketplace, resolve_marketplace
from sp_cancel.transport._interop import sp_api_client, sp_api_credentials
from sp_cancel.transport._lwa import LwaCredentials, LwaTokenClient
from sp_cancel.transport._wire import Response, error_for_status, network_error

__all__ = [
    "DEFAULT_TOKEN_URL",
    "DOWNLOAD_OPERATION",
    "OPERATIONS",
    "UPLOAD_OPERATION",
    "HttpTransport",
    "LwaCredentials",
    "LwaTokenClient",
    "Marketplace",
    "Operation",
    "Response",
    "SpApi",
    "error_for_status",
    "network_error",
    "operation",
    "resolve_marketplace",
    "sp_api_client",
    "sp_api_credentials",
]

#: What ``SellerClient(transport=...)`` takes: any httpx transport (the simulator's, ``httpx.MockTransport``...).
HttpTransport = httpx.BaseTransport
