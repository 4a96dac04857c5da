"""OpenAI-compatible chat completions with JSON-Schema structured output and bounded repair.

Every HTTP attempt goes through our own retry loop (tenacity: jittered exponential backoff that
honours ``Retry-After``, a per-call timeout and a deadline for the whole request) and the
endpoint's circuit breaker (``service.llm.resilience``); the openai SDK's own retries are off.
"""

from __future__ import annotations

import asyncio
import functools
import json
from typing import Any

import openai
from openai import AsyncOpenAI
from pydantic import BaseModel, ValidationError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.stop import stop_base

from service.errors import (
    DeadlineExceededLLMError,
    InvalidOutputError,
    ProviderError,
    ProviderUnavailableError,
)
from service.llm.base import Completion, Message, T, Usage
from service.llm.resilience import (
    Breaker,
    CallPolicy,
    is_transient,
    retry_after_seconds,
    wait_retry_after,
)

# A repair turn quotes at most this much of the validation error, so a re-ask is the original
# prompt plus one bounded turn and never grows the conversation.
_MAX_ERROR_CHARS = 400


class _OutOfTime(stop_base):
    """Stop retrying when the next attempt would start after ``deadline`` (event-loop time)."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline

    def __call__(self, retry_state: RetryCallState) -> bool:
        now = asyncio.get_running_loop().time()
        return now + (retry_state.upcoming_sleep or 0.0) >= self.deadline


class OpenAIChatLLM:
    """``LLM`` over any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp's server)."""

    def __init__(
        self,
        client: AsyncOpenAI,
        *,
        model: str,
        context_window: int,
        repair_attempts: int = 2,
        temperature: float = 0.0,
        policy: CallPolicy | None = None,
        breaker: Breaker | None = None,
        compact_json: bool = False,
    ) -> None:
        # The SDK's own retries off once, here: ``_call`` retries. (``with_options`` per call
        # copies the client, about 10 ms a request under load.)
        self._client = client.with_options(max_retries=0)
        self.model_name = model
        self.context_window = context_window
        self._repair_attempts = repair_attempts
        self._temperature = temperature
        self.policy = policy or CallPolicy()
        self.breaker = breaker or Breaker(str(client.base_url))
        # llama.cpp built with LLGuidance (the embedded server): optionally constrain the reply to
        # the schema *and* to compact JSON with a grammar (no whitespace tokens to generate).
        self.compact_json = compact_json

    async def aclose(self) -> None:
        await self._client.close()

    async def health(self, timeout_s: float = 3.0) -> None:
        """Ask the endpoint's ``/models`` (llama.cpp's server answers it too), without retries.

        Raises:
            ProviderUnavailableError: unreachable, timed out, or a 5xx answer. A 4xx answer (some
                gateways have no ``/models``) means the endpoint is up.
        """
        try:
            await self._client.with_options(timeout=timeout_s, max_retries=0).models.list()
        except openai.APIStatusError as exc:
            if exc.status_code >= 500:
                raise ProviderUnavailableError(f"HTTP {exc.status_code}") from exc
        except openai.APIError as exc:
            raise ProviderUnavailableError(type(exc).__name__) from exc

    async def complete(
        self, messages: list[Message], schema: type[T], *, max_tokens: int, name: str
    ) -> Completion[T]:
        """Ask for ``schema``-valid JSON; re-ask with the error a bounded number of times.

        One deadline (``CallPolicy.deadline_s``) covers every HTTP attempt and repair.

        Raises:
            ProviderUnavailableError: endpoint unreachable, timing out or rate limiting after the
                bounded retries, or the request's deadline passed; ``CircuitOpenError`` at once
                while the endpoint's circuit breaker is open.
            InvalidOutputError: the reply stayed invalid or truncated after every repair attempt.
            ProviderError: any other refusal by the endpoint.
        """
        deadline = asyncio.get_running_loop().time() + self.policy.deadline_s
        usage = Usage()
        response_format = _response_format(schema, name)
        attempt_messages = messages
        error = ""
        for attempt in range(self._repair_attempts + 1):
            reply, finish = await self._call(
                attempt_messages, response_format, max_tokens, attempt, usage, deadline
            )
            error = _problem(reply, finish, schema)
            if not error:
                usage.repairs = attempt
                value = schema.model_validate_json(reply)
                return Completion(value=value, usage=usage, model=self.model_name, raw=reply)
            usage.repairs = attempt
            attempt_messages = [*messages, *_repair_turn(reply, error)]
        raise InvalidOutputError(
            f"The model's {name} output stayed invalid after {self._repair_attempts + 1} attempts: "
            f"{error[:_MAX_ERROR_CHARS]}",
            usage=usage,
        )

    async def _call(
        self,
        messages: list[Message],
        response_format: dict[str, Any],
        max_tokens: int,
        attempt: int,
        usage: Usage,
        deadline: float,
    ) -> tuple[str, str | None]:
        """One answered HTTP call, retried while the failure is transient and time remains."""
        policy = self.policy
        retrying = AsyncRetrying(
            stop=stop_after_attempt(policy.max_retries + 1) | _OutOfTime(deadline),
            wait=wait_retry_after(policy.backoff_base_s, policy.backoff_max_s),
            retry=retry_if_exception(is_transient),
            reraise=True,
        )
        resp: Any = None
        async for http_attempt in retrying:
            with http_attempt:
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    raise DeadlineExceededLLMError(
                        f"The model request used up its {policy.deadline_s:g} s deadline "
                        "(SUMMARISER_LLM_DEADLINE_S) across retries and repairs.",
                        usage=usage,
                        retry_after=30,
                    )
                with self.breaker.guard():
                    resp = await self._send(
                        messages, response_format, max_tokens, attempt, usage, remaining
                    )
        usage.calls += 1
        if resp.usage is not None:
            usage.prompt_tokens += resp.usage.prompt_tokens
            usage.completion_tokens += resp.usage.completion_tokens
        if not resp.choices:
            return "", "empty"
        choice = resp.choices[0]
        return choice.message.content or "", choice.finish_reason

    def _structured(self, response_format: dict[str, Any]) -> dict[str, Any]:
        """The request's structured-output arguments: ``response_format``, or a compact grammar."""
        if not self.compact_json:
            return {"response_format": response_format}
        schema = json.dumps(response_format["json_schema"]["schema"])
        return {"extra_body": {"grammar": compact_json_grammar(schema)}}

    async def _send(
        self,
        messages: list[Message],
        response_format: dict[str, Any],
        max_tokens: int,
        attempt: int,
        usage: Usage,
        remaining: float,
    ) -> Any:
        """One HTTP attempt, its errors mapped to ours (transient ones are retried by ``_call``)."""
        timeout = min(self.policy.timeout_s, remaining)
        try:
            # asyncio's timeout also bounds a reply that trickles in (httpx's read timeout is
            # per read); the SDK's own retries are off: ``_call`` retries.
            async with asyncio.timeout(timeout):
                return await self._client.chat.completions.create(
                    timeout=timeout,
                    model=self.model_name,
                    messages=messages,  # type: ignore[arg-type]
                    **self._structured(response_format),
                    max_tokens=max_tokens,
                    temperature=self._temperature if attempt == 0 else max(self._temperature, 0.4),
                    seed=attempt,
                )
        except (TimeoutError, openai.APITimeoutError) as exc:
            raise ProviderUnavailableError(
                f"The LLM endpoint did not answer within {timeout:g} s (APITimeoutError); "
                "check SUMMARISER_LLM_BASE_URL or SUMMARISER_LLM_TIMEOUT_S, or retry later.",
                usage=usage,
                retry_after=30,
            ) from exc
        except openai.APIConnectionError as exc:
            raise ProviderUnavailableError(
                f"The LLM endpoint did not answer ({type(exc).__name__}); check "
                "SUMMARISER_LLM_BASE_URL or retry later.",
                usage=usage,
                retry_after=30,
            ) from exc
        except openai.RateLimitError as exc:
            raise ProviderUnavailableError(
                "The LLM endpoint is rate limiting us; retry later.",
                usage=usage,
                status=429,
                retry_after=_retry_after(exc.response),
                retry_after_s=retry_after_seconds(exc.response.headers),
            ) from exc
        except openai.APIStatusError as exc:
            transient = exc.status_code >= 500 or exc.status_code in (408, 409)
            cls = ProviderUnavailableError if transient else ProviderError
            raise cls(
                f"The LLM endpoint refused the request (HTTP {exc.status_code}).",
                usage=usage,
                status=exc.status_code,
                retry_after=_retry_after(exc.response) if transient else 30,
                retry_after_s=retry_after_seconds(exc.response.headers),
            ) from exc
        except openai.APIResponseValidationError as exc:
            raise ProviderUnavailableError(
                "The LLM endpoint sent a malformed response; retry later.",
                usage=usage,
                retry_after=30,
            ) from exc
        except ValueError as exc:  # an unparseable response body (e.g. cut-off JSON)
            raise ProviderUnavailableError(
                f"The LLM endpoint sent an unreadable response ({type(exc).__name__}).",
                usage=usage,
                retry_after=30,
            ) from exc


@functools.lru_cache(maxsize=256)
def compact_json_grammar(schema_json: str) -> str:
    """An LLGuidance grammar for JSON valid for the schema, laid out one list object per line.

    A list of objects opens with a newline and puts each object on a line of its own, without
    indentation; inside a line, keys and items are separated by ``", "`` and ``": "``. Leaves
    (strings, numbers, enums, nulls) are inline JSON Schemas (``%json``). With no whitespace at
    all the embedded model closed every list at once (denied the newline it writes after
    ``[``); the line layout keeps that newline and drops the indentation.
    """
    schema = json.loads(schema_json)
    defs: dict[str, Any] = schema.get("$defs", {})
    rules: list[str] = []

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        ref = node.get("$ref")
        return defs[ref.rsplit("/", 1)[-1]] if isinstance(ref, str) else node

    def rule(body: str) -> str:
        name = f"r{len(rules)}"
        rules.append(f"{name}: {body}")
        return name

    def lit(text: str) -> str:
        return json.dumps(text)

    def value(node: dict[str, Any]) -> str:
        node = resolve(node)
        branches = [resolve(b) for b in node.get("anyOf", [])]
        if any(b.get("type") in ("object", "array") for b in branches):
            # an optional object or list: each branch laid out (an inline %json would hold a
            # $ref it cannot resolve)
            return rule(" | ".join(value(b) for b in branches))
        kind = node.get("type")
        if kind == "object" and "properties" in node:
            parts = []
            for i, (key, sub) in enumerate(node["properties"].items()):
                parts.append(lit(("{" if i == 0 else ", ") + json.dumps(key) + ": "))
                parts.append(value(sub))
            return rule(" ".join([*parts, lit("}")]))
        if kind == "array" and isinstance(node.get("items"), dict):
            items = resolve(node["items"])
            item = value(items)
            most = node.get("maxItems")
            more = f"{{0,{most - 1}}}" if isinstance(most, int) else "*"
            if items.get("type") == "object":
                return rule(f'"[]" | "[\\n" {item} (",\\n" {item}){more} "\\n]"')
            return rule(f'"[]" | "[" {item} (", " {item}){more} "]"')
        leaf = {k: v for k, v in node.items() if k not in ("title", "description", "default")}
        return rule("%json " + json.dumps(leaf, separators=(",", ":")))

    top = value(schema)
    return "%llguidance {}\nstart: " + top + "\n" + "\n".join(rules) + "\n"


@functools.lru_cache(maxsize=256)
def _response_format(schema: type[BaseModel], name: str) -> dict[str, Any]:
    """The request's ``response_format``; built once per schema class (pydantic's JSON Schema
    generation cost ~10 ms per request under load, three times per chunk). Never mutated."""
    return {
        "type": "json_schema",
        "json_schema": {
            "name": name,
            "schema": require_all(schema.model_json_schema()),
            "strict": False,
        },
    }


def require_all(node: Any) -> Any:
    """Mark every property of every object as required in a JSON Schema (in place).

    Fields with defaults are optional to pydantic, so a constrained decoder lets the model skip
    them — and a small model does (summary sentences without their text, items without their
    quote). Requiring every key makes it write each one; nullable fields may still be null.
    """
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node:
            node["required"] = list(node["properties"])
        for value in node.values():
            require_all(value)
    elif isinstance(node, list):
        for value in node:
            require_all(value)
    return node


def _problem(reply: str, finish: str | None, schema: type[BaseModel]) -> str:
    """Why ``reply`` is unusable, or ``""`` when it validates."""
    if finish == "length":
        return "the reply was cut off at the output limit (finish_reason=length): it was too long"
    if not reply.strip():
        return f"the reply was empty (finish_reason={finish})"
    try:
        schema.model_validate_json(reply)
    except ValidationError as exc:
        # Describe what is wrong without quoting the reply back (include_input=False).
        return "; ".join(
            f"{'.'.join(str(x) for x in err['loc']) or 'reply'}: {err['msg']}"
            for err in exc.errors(include_url=False, include_input=False)[:8]
        )
    return ""


def _repair_turn(reply: str, error: str) -> list[Message]:
    """One bounded user turn naming the problem.

    The bad reply itself is not echoed back: small models copy it (a truncated, looping reply
    comes back looping), and leaving it out keeps every re-ask the size of the first request
    plus this turn.
    """
    del reply
    return [
        {
            "role": "user",
            "content": (
                f"Your previous reply was not usable: {error[:_MAX_ERROR_CHARS]}\n"
                "Answer again with valid JSON for the schema. Be brief: fewer items, short quotes, "
                "never repeat an item."
            ),
        },
    ]


def _retry_after(response: Any) -> int:
    """Whole seconds to report to our caller: the endpoint's ``Retry-After``, else 30."""
    value = getattr(response, "headers", {}).get("retry-after")
    seconds = retry_after_seconds({"retry-after": value}) if value else None
    return 30 if seconds is None else max(1, int(seconds + 0.999))
