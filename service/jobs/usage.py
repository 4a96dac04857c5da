"""The usage report of one key."""

from __future__ import annotations

import asyncio
from dataclasses import asdict

from service.jobs.auth import Principal, start_of_day
from service.jobs.context import Services
from service.jobs.models import UsageRecordView, UsageTotalsView, UsageView
from service.jobs.views import utc
from service.store.records import recent_usage, usage_totals


async def usage_view(state: Services, principal: Principal) -> UsageView:
    """Today's and all-time totals, the key's limits, and its 50 latest usage records."""
    db, key_id = state.db, principal.key_id
    today = await asyncio.to_thread(usage_totals, db, key_id, start_of_day())
    total = await asyncio.to_thread(usage_totals, db, key_id)
    recent = await asyncio.to_thread(recent_usage, db, key_id)
    return UsageView(
        key_id=key_id,
        today=UsageTotalsView(**asdict(today)),
        total=UsageTotalsView(**asdict(total)),
        limits={
            "rate_limit_per_minute": principal.rate_limit_per_minute,
            "token_budget_per_day": principal.token_budget_per_day,
        },
        recent=[
            UsageRecordView(
                request_id=r.request_id,
                job_id=r.job_id,
                endpoint=r.endpoint,
                llm_calls=r.llm_calls,
                tokens_in=r.tokens_in,
                tokens_out=r.tokens_out,
                cost_estimate=r.cost_estimate,
                cached=r.cached,
                created_at=utc(r.created_at),
            )
            for r in recent
        ],
    )
