"""One Settings object; every knob is an environment variable prefixed ``SUMMARISER_``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SUMMARISER_", env_file=".env", extra="ignore")

    # LLM endpoint. No base URL means: start the embedded local model.
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_model: str | None = None
    llm_timeout_s: float = Field(600.0, gt=0, description="One HTTP attempt, at most.")
    llm_max_retries: int = Field(2, ge=0, description="HTTP-level retries (429/5xx/timeouts).")
    llm_deadline_s: float = Field(
        900.0, gt=0, description="One model request: every attempt, backoff and repair."
    )
    llm_backoff_base_s: float = Field(0.5, gt=0, description="First backoff (jittered, doubles).")
    llm_backoff_max_s: float = Field(20.0, gt=0, description="Longest backoff without Retry-After.")
    llm_breaker_fail_max: int = Field(
        5, ge=1, description="Failed attempts in a row that open the circuit breaker."
    )
    llm_breaker_reset_s: float = Field(
        30.0, gt=0, description="Open breaker: pause before a trial."
    )
    llm_fallback_model: str | None = Field(
        None, description="A second model, used while the first is unavailable."
    )
    llm_fallback_base_url: str | None = Field(None, description="Its endpoint (default: the same).")
    llm_fallback_api_key: str | None = None
    llm_fallback_context_window: int | None = Field(
        None, description="Tokens; default per backend."
    )
    llm_repair_attempts: int = Field(2, ge=0, description="Re-asks after invalid/truncated JSON.")
    llm_max_concurrency: int = Field(1, ge=1)
    llm_context_window: int | None = Field(None, description="Tokens; default per backend.")
    llm_max_output_tokens: int = Field(900, ge=64)
    llm_temperature: float = 0.0
    llm_compact_json: bool = Field(
        False,
        description="Hold replies to the schema with an LLGuidance grammar that lays the JSON "
        "out one list object per line, without indentation, instead of response_format "
        "(llama.cpp built with LLGuidance, as the embedded server is). Off: a third fewer output "
        "tokens on the embedded model, but the 15 gold cases score lower (see README).",
    )

    # Embedded model (llama.cpp through xllamacpp).
    local_model_path: Path | None = Field(
        None, description="A GGUF file to use instead of the bundled one."
    )
    local_cache_dir: Path = Path.home() / ".cache" / "summariser"
    local_context_window: int = 8192
    local_threads: int | None = None

    # Chunking; None means derived from the context window.
    chunk_tokens: int | None = None
    chunk_overlap: int | None = None

    # Input limits: the article text (plain, or extracted from HTML), and the raw request body
    # (which also bounds raw HTML: real pages with inline scripts and styles run to 1-2 MB).
    max_input_chars: int = 300_000
    max_body_bytes: int = 5_000_000

    prompts_dir: Path = Path(__file__).resolve().parent.parent / "prompts"
    extract_prompt: str = "extract@4"
    # The summary is extractive: sentences the model ranks in the extract prompt's context pass.
    summary_prompt: str = "extractive"

    # Service (issue 4).
    database_url: str = "sqlite:///./summariser.db"
    sync_deadline_s: float = 120.0
    require_auth: bool = True
    log_level: str = "INFO"
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    job_concurrency: int = Field(1, ge=1, description="Jobs the server runs at once.")
    job_poll_interval_s: float = Field(1.0, gt=0)
    job_max_attempts: int = Field(3, ge=1, description="Starts per job (crash restarts count).")
    batch_max_items: int = Field(100, ge=1)
    rate_limit_per_minute: int = Field(60, ge=1, description="Per key; a key may override it.")
    token_budget_per_day: int | None = Field(
        None, ge=1, description="Per key, UTC day; None = unlimited."
    )
    cost_per_1k_input_tokens: float = Field(0.0, ge=0)
    cost_per_1k_output_tokens: float = Field(0.0, ge=0)
    webhook_secret: str | None = Field(None, description="Signs webhooks when auth is off.")
    webhook_max_attempts: int = Field(5, ge=1)
    webhook_backoff_s: float = Field(1.0, gt=0)
    webhook_timeout_s: float = Field(
        10.0, gt=0, description="Whole attempt: connect, send, and the answer's status line."
    )
    webhook_allow_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Host names, addresses and CIDR networks webhooks may reach besides public "
        "ones (comma-separated), e.g. 'cms.newsroom.internal,10.20.0.0/16'.",
    )
    sse_poll_interval_s: float = Field(
        1.0, gt=0, description="Longest wait between reads of a streamed job (changes wake it)."
    )
    llm_retry_after_s: int = Field(
        30, ge=1, description="Retry-After sent with 503 llm_unavailable."
    )

    # Scale-out (issue 8): Celery workers, shared state in Redis, provider rate limits.
    broker_url: str | None = Field(
        None, description="Celery broker (redis://, amqp://). Unset: jobs run in-process."
    )
    result_backend: str | None = Field(None, description="Celery result backend; default: Redis.")
    redis_url: str | None = Field(
        None, description="Shared limits and job events; default: the broker URL if redis://."
    )
    broker_visibility_timeout_s: int = Field(
        7200, ge=1, description="Redis broker: an unacknowledged task is redelivered after this."
    )
    worker_concurrency: int = Field(1, ge=1, description="Processes per `summarise worker`.")
    job_lease_s: int = Field(30, ge=2, description="A running job's lease, renewed by its worker.")
    llm_requests_per_minute: int | None = Field(None, ge=1, description="All workers together.")
    llm_tokens_per_minute: int | None = Field(None, ge=1, description="All workers together.")
    llm_rate_window_s: int = Field(60, ge=1, description="Window of the two limits above.")

    @field_validator("webhook_allow_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        """A comma- or space-separated list from the environment."""
        if isinstance(value, str):
            return [part for part in value.replace(",", " ").split() if part]
        return value

    @property
    def shared_redis_url(self) -> str | None:
        """Where limits and job events are shared between processes (None: in memory)."""
        if self.redis_url:
            return self.redis_url
        if self.broker_url and self.broker_url.startswith(("redis://", "rediss://")):
            return self.broker_url
        return None

    @property
    def uses_embedded_model(self) -> bool:
        return not self.llm_base_url


@lru_cache
def get_settings() -> Settings:
    return Settings()
