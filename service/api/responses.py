"""OpenAPI documentation of the error responses and the event stream."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class Problem(BaseModel):
    """RFC 9457 problem details.

    ``code`` is stable; ``type`` is ``urn:summariser:problem:<code>``.
    """

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": "urn:summariser:problem:empty_input",
                    "title": "Invalid article",
                    "status": 422,
                    "detail": "The article is empty or whitespace only.",
                    "code": "empty_input",
                    "instance": "/v1/summaries",
                    "request_id": "0b6e4c3f5d2a4e0f9c1b7a8d6e5f4c3b",
                }
            ]
        },
    )

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str | None = None
    request_id: str | None = None


def _problem(description: str) -> dict[str, Any]:
    return {
        "model": Problem,
        "description": description,
        "content": {"application/problem+json": {}},
    }


ERRORS: dict[int | str, dict[str, Any]] = {
    400: _problem("Malformed JSON (`invalid_json`) or a body that is not UTF-8 (`bad_encoding`)."),
    401: _problem("Missing, invalid or revoked API key."),
    404: _problem("Unknown job or batch id (`job_not_found`, `batch_not_found`)."),
    413: _problem("Body over `SUMMARISER_MAX_BODY_BYTES` or article over the character limit."),
    415: _problem("The body is not `application/json` (UTF-8)."),
    422: _problem("Missing text, empty article, schema violation or reused idempotency key."),
    429: _problem("Rate limit or daily token budget reached; see `Retry-After`."),
    503: _problem("The model is unavailable (`llm_unavailable`); see `Retry-After`."),
}

SSE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "`text/event-stream`: `progress` events, then `succeeded` or `failed`; "
        "each `data` is a JobView JSON.",
        "content": {
            "text/event-stream": {
                "example": 'event: progress\ndata: {"id": "…", '
                '"status": "running", "progress": {"chunks_done": 1,'
                ' "chunks_total": 3, "stage": "extract"}}\n\n'
            }
        },
    },
}
