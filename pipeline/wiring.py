"""The edge where settings become objects: the record store and the live clients.

Only the CLI and the flows call this; stages and clients take plain arguments.
"""

from __future__ import annotations

import logging

from pipeline.literature.acquire import Sources
from pipeline.literature.europepmc import EuropePmcClient
from pipeline.literature.eutils import EutilsClient
from pipeline.literature.store import RecordStore
from pipeline.settings import Settings

log = logging.getLogger("curate")


def open_store(settings: Settings) -> RecordStore:
    if settings.store_url is None:
        settings.state_dir.mkdir(parents=True, exist_ok=True)
    return RecordStore(settings.resolved_store_url)


def live_sources(settings: Settings, *, offline: bool = False) -> Sources:
    """Live clients only when online and a contact email is configured (NCBI requires one)."""
    if offline or settings.offline:
        return Sources()
    if not settings.ncbi_email:
        log.info("live access is off until CURATE_NCBI_EMAIL is set: working from the record store")
        return Sources()
    api_key = settings.ncbi_api_key.get_secret_value() if settings.ncbi_api_key else None
    return Sources(
        eutils=EutilsClient(
            settings.eutils_url,
            email=settings.ncbi_email,
            tool=settings.ncbi_tool,
            api_key=api_key,
            timeout=settings.http_timeout,
            max_bytes=settings.max_response_bytes,
        ),
        europepmc=EuropePmcClient(
            settings.europepmc_url, timeout=settings.http_timeout, max_bytes=settings.max_response_bytes
        ),
    )
