"""Settings from the environment (``ISOFLOW_*``); an SQLite file under ./var by default."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
