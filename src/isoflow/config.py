"""Settings from the environment (``ISOFLOW_*``); an SQLite file under ./var by default."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ISOFLOW_", extra="ignore")

    database_url: str = f"sqlite:///{Path('var') / 'isoflow.sqlite'}"
    host: str = "127.0.0.1"
    port: int = 8000
    token_ttl_s: int = 12 * 3600
    #: Argon2id cost (RFC 9106 second recommendation by default: t=3, 64 MiB, p=4).
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 64 * 1024
    argon2_parallelism: int = 4
    #: Blocking API handlers run at once per process (more only contend for the GIL).
    api_threads: int = 8
    #: Shortest password accepted [characters].
    password_min_length: int = 10
    #: Sign-in throttling (isoflow.domain.sign_in): consecutive failures of a username after
    #: which answers slow down (a wait of sign_in_delay_s, doubling up to sign_in_max_delay_s)
    #: and after which it is locked for sign_in_lock_s, the right password included.
    sign_in_slowdown_after: Annotated[int, Field(ge=1)] = 5
    sign_in_lock_after: Annotated[int, Field(ge=1)] = 10
    sign_in_lock_s: Annotated[int, Field(ge=1)] = 900
    sign_in_delay_s: Annotated[float, Field(ge=0)] = 1.0
    sign_in_max_delay_s: Annotated[float, Field(ge=0)] = 8.0
    #: Failures not renewed for this long are forgotten [s].
    sign_in_forget_s: Annotated[int, Field(ge=1)] = 86400
    #: The same per client address, over all usernames tried from it.
    sign_in_address_slowdown_after: Annotated[int, Field(ge=1)] = 20
    sign_in_address_lock_after: Annotated[int, Field(ge=1)] = 50
    #: Page sessions end after this long without a request, and this long after sign-in [s].
    session_idle_timeout_s: Annotated[int, Field(ge=1)] = 1800
    session_ttl_s: Annotated[int, Field(ge=1)] = 12 * 3600


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
