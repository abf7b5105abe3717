"""One settings object, read from `CURATE_*` environment variables (and `.env`) at the edges only.

Stages never read settings: the CLI and flows build clients from these values and pass plain arguments.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

NCBI_EUTILS = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
EUROPEPMC_REST = "https://www.ebi.ac.uk/europepmc/webservices/rest/"

# Prefect must never phone home: no telemetry lookup from the embedded server, no analytics, no metrics.
PRIVACY_ENV = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_CLOUD_ENABLE_ORCHESTRATION_TELEMETRY": "false",
    "PREFECT_TELEMETRY_ENABLE_RESOURCE_METRICS": "false",
}
# The embedded server needs up to ~28 s to migrate an empty database on a 2-core machine.
EMBEDDED_DEFAULTS = {
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CURATE_", env_file=".env", extra="ignore")

    root: Path = Field(default=Path("."), description="Project folder holding sources/, curated/, reports/.")
    offline: bool = Field(default=False, description="Never touch the network (also implied by no email).")
    eutils_url: str = Field(default=NCBI_EUTILS, description="Base URL of NCBI E-utilities (or a mirror).")
    europepmc_url: str = Field(default=EUROPEPMC_REST, description="Base URL of the Europe PMC REST API.")
    store_url: str | None = Field(
        default=None, description="SQLAlchemy URL of the record store; default SQLite in `.curate/`."
    )
    ncbi_email: str | None = Field(
        default=None, description="Contact email sent to NCBI; enables live access."
    )
    ncbi_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("CURATE_NCBI_API_KEY", "NCBI_API_KEY"),
        description="NCBI API key (secret; raises the limit from 3 to 10 requests/s).",
    )
    ncbi_tool: str = Field(default="curate-evidence", description="`tool` parameter sent to NCBI.")
    cache_ttl: int = Field(default=30 * 86400, description="Seconds a stored record counts as fresh.")
    http_timeout: float = Field(default=30.0, description="Seconds before an HTTP request times out.")
    max_document_bytes: int = Field(default=20_000_000, description="Largest document accepted, in bytes.")
    max_response_bytes: int = Field(
        default=200 * 1024 * 1024, ge=1024, description="Largest HTTP response body read, in bytes."
    )
    task_runner: Literal["thread", "dask"] = Field(
        default="thread", description="Where a run's document tasks execute: threads here, or Dask."
    )
    dask_address: str | None = Field(
        default=None, description="Dask scheduler address (tcp://host:8786); empty: a local cluster."
    )
    workers: int = Field(default=4, ge=1, le=64, description="Documents linked at once (thread runner).")

    @property
    def state_dir(self) -> Path:
        return self.root / ".curate"

    @property
    def resolved_store_url(self) -> str:
        return self.store_url or f"sqlite:///{(self.state_dir / 'store.sqlite').resolve()}"

    @property
    def live(self) -> bool:
        """Live network access is opt-in: not offline and a contact email configured (NCBI requires one)."""
        return not self.offline and bool(self.ncbi_email)


def apply_privacy_env(state_dir: Path | None = None) -> None:
    """Set Prefect's environment before Prefect is imported: no telemetry, state kept in `.curate/`."""
    os.environ.update(PRIVACY_ENV)  # forced, not defaulted: no run may send telemetry
    for key, value in EMBEDDED_DEFAULTS.items():
        os.environ.setdefault(key, value)
    if state_dir is not None and "PREFECT_HOME" not in os.environ:
        home = (state_dir / "prefect").resolve()
        home.mkdir(parents=True, exist_ok=True)
        os.environ["PREFECT_HOME"] = str(home)
    if "PREFECT_HOME" in os.environ:
        Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
