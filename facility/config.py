"""Settings, read from the environment (prefix FACILITY_) or a .env file."""

from __future__ import annotations

from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Everything the platform reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="FACILITY_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./facility.db"
    secret_key: str = Field(
        default="dev-only-insecure-secret-key-change-me",
        description="Signs session cookies and CSRF tokens; must be set in production.",
    )
    env: Literal["development", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    max_page_size: int = 100
    # IATI publication (`facility export iati`): the reporting organisation. The identifier is
    # the organisation's IATI identifier (registration agency prefix + number, e.g.
    # "XM-DAC-41313"); it has no default because a made-up one must never be published.
    iati_organisation_id: str | None = None
    iati_organisation_name: str = (
        "Office of the United Nations High Commissioner for Human Rights (OHCHR): "
        "Human Rights Recommendations Implementation Facility")
    iati_organisation_type: str = Field(default="40", description="IATI OrganisationType code")

    # Follow-up reminders (`facility reminders run`): days before a report's due date.
    reminder_offsets: Annotated[list[int], NoDecode] = Field(
        default=[60, 14], description="comma-separated days before the due date, e.g. 60,14")
    # The worker (`facility worker`): it enqueues the day's reminders once this hour (UTC) has
    # come, looks for new jobs this often, and keeps house (interrupted runs, stale jobs,
    # unsent e-mail) this often.
    reminders_hour: int = Field(default=6, ge=0, le=23)
    worker_poll_seconds: float = Field(default=1.0, gt=0, le=60)
    worker_housekeeping_seconds: float = Field(default=30.0, gt=0, le=3600)
    # E-mail: off unless smtp_host is set; notifications are then in the platform only.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "facility@localhost"
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout: float = 30.0
    # BLAS threads for computing embeddings. 1 is the safe default: under load (a web server,
    # tests in parallel) more threads made encoding many times slower; 2 pays on an idle
    # machine with two cores or more (docs/benchmarks.md, "Encoding recommendations").
    embed_threads: int = Field(default=1, ge=1, le=64,
                               description="BLAS threads used to compute embeddings")

    # The library's uploaded files (facility/library/storage.py): a folder outside the web
    # root, which every server of the facility reaches at this path.
    storage_dir: str = Field(default="./facility-files",
                             description="folder of uploaded files (FACILITY_STORAGE_DIR)")

    # Reverse proxies whose X-Forwarded-For header names the client (addresses or networks,
    # comma-separated). None by default: the address the connection comes from is the client,
    # whatever header it sends, so no one can pick the address their sign-in failures count on.
    trusted_proxies: Annotated[list[IPv4Network | IPv6Network], NoDecode] = Field(
        default=[], description="comma-separated addresses or networks, e.g. 127.0.0.1,10.0.0.0/8")

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            try:
                return [ip_network(part, strict=False) if isinstance(part, str) else part
                        for part in value]
            except ValueError as error:
                raise ValueError(f"not an IP address or network: {error}") from None
        return value

    @field_validator("reminder_offsets", mode="before")
    @classmethod
    def _split_offsets(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("reminder_offsets")
    @classmethod
    def _check_offsets(cls, value: list[int]) -> list[int]:
        if not value:
            raise ValueError("give at least one number of days")
        if any(not 1 <= days <= 366 for days in value):
            raise ValueError("each offset is a number of days from 1 to 366")
        if len(set(value)) != len(value):
            raise ValueError("an offset is given twice")
        return sorted(value, reverse=True)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def check_production_ready(self) -> None:
        """Refuse to run in production with the development secret."""
        if self.is_production and self.secret_key.startswith("dev-only"):
            raise RuntimeError(
                "FACILITY_SECRET_KEY must be set to a long random value when FACILITY_ENV=production"
            )


@lru_cache
def get_settings() -> Settings:
    return Settings()
