"""Rate limits shared through the real Redis: per API key across API processes, and per LLM
provider across `summarise worker` processes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from api_fakes import ARTICLE, FakeOpenAI, make_settings
from broker_fakes import flush_redis, require_redis, worker_env, workers

from service.api import create_app
from service.jobs.errors import RateLimitedError
from service.jobs.limits import KeyRateLimiter, ProviderLimiter

pytestmark = pytest.mark.redis


@pytest.fixture
def redis_url() -> Iterator[str]:
    url = require_redis()
    yield url
    flush_redis()


def test_key_limit_is_shared_between_limiters(redis_url: str) -> None:
    api_one, api_two = KeyRateLimiter(redis_url), KeyRateLimiter(redis_url)
    for limiter in (api_one, api_two, api_one):
        limiter.hit("cms", 3)
    with pytest.raises(RateLimitedError) as caught:
        api_two.hit("cms", 3)
    assert caught.value.details["retry_after"] >= 1
    api_two.hit("another-key", 3)  # limits are per key
    local_one, local_two = KeyRateLimiter(), KeyRateLimiter()  # no Redis: per process
    for _ in range(3):
        local_one.hit("cms", 3)
    local_two.hit("cms", 3)


async def test_provider_token_budget_is_shared(redis_url: str) -> None:
    one = ProviderLimiter("p", requests=None, tokens=100, window_s=3600, redis_url=redis_url)
    two = ProviderLimiter("p", requests=None, tokens=100, window_s=3600, redis_url=redis_url)
    await one.acquire(60)
    await two.add_tokens(40)  # the window is now full for both
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(two.acquire(1), 0.5)


@pytest.mark.server
async def test_provider_limit_holds_across_two_workers(tmp_path: Path, redis_url: str) -> None:
    limit, window = 3, 4
    limits = {
        "SUMMARISER_LLM_REQUESTS_PER_MINUTE": str(limit),
        "SUMMARISER_LLM_RATE_WINDOW_S": str(window),
    }
    with FakeOpenAI() as fake:
        settings = make_settings(
            tmp_path,
            database_url=f"sqlite:///{tmp_path / 'jobs.db'}",
            broker_url=redis_url,
            llm_base_url=fake.url,
            llm_model="fake",
            require_auth=False,
        )
        app = create_app(settings)
        env = worker_env(tmp_path, redis_url, fake.url, **limits)
        items = [{**ARTICLE, "text": f"{ARTICLE['text']}\n\nNote {i}."} for i in range(4)]
        with workers(env, "r1", "r2") as (r1, r2):
            async with (
                app.router.lifespan_context(app),
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c,
            ):
                r = await c.post("/v1/batches", json={"items": items})
                url = r.headers["location"]
                for _ in range(1200):
                    counts = (await c.get(url)).json()["counts"]
                    if counts["succeeded"] + counts["failed"] == len(items):
                        break
                    await asyncio.sleep(0.1)
        assert counts["succeeded"] == len(items), counts
        assert r1.count("job_succeeded") >= 1 and r2.count("job_succeeded") >= 1
        arrivals = sorted(fake.arrivals)
    assert len(arrivals) > 2 * limit  # the limit was actually reached, more than once
    # no `window` seconds (less a little network jitter) ever saw more than `limit` requests
    for i in range(len(arrivals) - limit):
        assert arrivals[i + limit] - arrivals[i] >= window - 0.5, arrivals
