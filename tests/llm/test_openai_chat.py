"""The OpenAI-compatible client (service/llm/openai_chat.py) against respx at the HTTP layer.

Nothing of ours is patched: ``open_llm`` builds the real ``AsyncOpenAI`` client, whose default
``httpx`` transport respx intercepts.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
from typing import Any

import httpx
import pytest
from openai_fakes import (
    MOCK_LLM_URL,
    MOCK_MODEL,
    GuardedRouter,
    chat_reply,
    mock_settings,
    request_body,
)
from pydantic import BaseModel, Field

from service.errors import ConfigError, InvalidOutputError, ProviderError, ProviderUnavailableError
from service.llm import Usage, open_llm
from service.llm.openai_chat import OpenAIChatLLM

MESSAGES = [
    {"role": "system", "content": "Extract facts."},
    {"role": "user", "content": "<article>Norway and Chile signed a pact.</article>"},
]


class Reply(BaseModel):
    countries: list[str] = Field(default_factory=list, max_length=3)
    status: str


GOOD = {"countries": ["Norway", "Chile"], "status": "signed"}


async def _llm(**overrides: Any) -> OpenAIChatLLM:
    llm = await open_llm(mock_settings(**overrides))
    assert isinstance(llm, OpenAIChatLLM)
    return llm


async def _complete(llm: OpenAIChatLLM) -> Any:
    try:
        return await llm.complete(MESSAGES, Reply, max_tokens=200, name="reply")
    finally:
        await llm.aclose()


def _messages(router: GuardedRouter, i: int) -> list[dict[str, str]]:
    return request_body(router.calls[i].request)["messages"]


async def test_valid_reply(openai_mock: GuardedRouter) -> None:
    route = openai_mock.post("/chat/completions").mock(
        return_value=chat_reply(GOOD, prompt_tokens=42, completion_tokens=7)
    )
    result = await _complete(await _llm())

    assert result.value == Reply(**GOOD)
    assert (
        result.usage.prompt_tokens,
        result.usage.completion_tokens,
        result.usage.calls,
        result.usage.repairs,
    ) == (42, 7, 1, 0)
    assert result.model == MOCK_MODEL
    assert route.call_count == 1
    body = request_body(route.calls[0].request)
    assert body["model"] == MOCK_MODEL
    assert body["messages"] == MESSAGES
    assert body["max_tokens"] == 200
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["name"] == "reply"
    sent = fmt["json_schema"]["schema"]
    assert sent["properties"] == Reply.model_json_schema()["properties"]
    # Every key is required in the request, defaults or not, so a constrained decoder writes it.
    assert sorted(sent["required"]) == sorted(Reply.model_json_schema()["properties"])
    assert fmt["json_schema"]["schema"]["properties"]["countries"]["maxItems"] == 3


async def test_compact_json_mode_sends_a_grammar_instead_of_response_format(
    openai_mock: GuardedRouter,
) -> None:
    from openai import AsyncOpenAI

    route = openai_mock.post("/chat/completions").mock(return_value=chat_reply(GOOD))
    client = AsyncOpenAI(base_url=MOCK_LLM_URL, api_key="x", max_retries=0)
    llm = OpenAIChatLLM(client, model=MOCK_MODEL, context_window=4096, compact_json=True)
    result = await _complete(llm)

    assert result.value == Reply(**GOOD)
    body = request_body(route.calls[0].request)
    assert "response_format" not in body  # llama.cpp refuses a grammar beside a schema
    grammar = body["grammar"]
    assert grammar.startswith("%llguidance {}\n")
    accepts = _grammar_regex(grammar).fullmatch
    assert accepts('{"countries": ["Norway", "Chile"], "status": "signed"}')
    assert accepts('{"countries": [], "status": "signed"}')
    assert not accepts('{"status": "signed", "countries": []}')  # keys in the schema's order
    assert not accepts('{"countries": ["Norway", "Chile", "Peru", "Fiji"], "status": "x"}')
    assert not accepts('{\n  "countries": [],\n  "status": "signed"\n}')  # no indentation


class Person(BaseModel):
    name: str | None = Field(None, max_length=60)
    sentence: int


class People(BaseModel):
    participants: list[Person] = Field(max_length=3)
    topics: list[str] = Field(max_length=2)


def test_the_compact_grammar_puts_each_list_object_on_a_line_of_its_own() -> None:
    from service.llm.openai_chat import compact_json_grammar, require_all

    schema = require_all(People.model_json_schema())
    accepts = _grammar_regex(compact_json_grammar(json.dumps(schema))).fullmatch
    lined = (
        '{"participants": [\n{"name": "Ana Lind", "sentence": 3},\n'
        '{"name": null, "sentence": 4}\n], "topics": ["trade"]}'
    )
    assert accepts(lined)
    assert accepts('{"participants": [], "topics": []}')
    # no whitespace at all (the embedded model then closed every list at once), indented JSON,
    # and a fourth participant are all refused
    assert not accepts(json.dumps(json.loads(lined), separators=(",", ":")))
    assert not accepts(json.dumps(json.loads(lined), indent=2))
    four = '{"name": "A", "sentence": 1},\n' * 3 + '{"name": "B", "sentence": 2}'
    assert not accepts('{"participants": [\n' + four + '\n], "topics": []}')


class Meeting(BaseModel):
    host: Person | None = None
    people: list[Person] | None = Field(None, max_length=2)


def test_the_compact_grammar_lays_out_an_optional_object_and_list() -> None:
    from service.llm.openai_chat import compact_json_grammar, require_all

    grammar = compact_json_grammar(json.dumps(require_all(Meeting.model_json_schema())))
    assert "$ref" not in grammar  # an inline %json could not resolve it
    accepts = _grammar_regex(grammar).fullmatch
    assert accepts('{"host": null, "people": null}')
    assert accepts('{"host": {"name": "Ana Lind", "sentence": 2}, "people": []}')
    assert accepts('{"host": null, "people": [\n{"name": null, "sentence": 1}\n]}')
    assert not accepts('{"host": {"sentence": 2}, "people": null}')  # every key is required


def _grammar_regex(grammar: str) -> re.Pattern[str]:
    """The language of one of our LLGuidance grammars as a Python regex (they are regular: rules
    reference earlier rules only, and leaves are inline JSON Schemas of strings, integers, enums
    and nulls)."""
    head, *lines = grammar.strip().splitlines()
    assert head == "%llguidance {}"
    rules = dict(line.split(": ", 1) for line in lines)
    memo: dict[str, str] = {}

    def leaf(schema: dict[str, Any]) -> str:
        if "anyOf" in schema:
            return "(?:" + "|".join(leaf(s) for s in schema["anyOf"]) + ")"
        if "enum" in schema:
            return "(?:" + "|".join(re.escape(json.dumps(v)) for v in schema["enum"]) + ")"
        kind = schema["type"]
        if kind == "null":
            return "null"
        if kind == "integer":
            return "-?\\d+"
        assert kind == "string", schema
        most = schema.get("maxLength")
        return r'"(?:[^"\\\n]|\\.)' + (f"{{0,{most}}}" if most else "*") + '"'

    def expand(name: str) -> str:
        if name not in memo:
            body = rules[name]
            if body.startswith("%json "):
                memo[name] = leaf(json.loads(body.removeprefix("%json ")))
            else:
                out = []
                for m in re.finditer(r'"(?:[^"\\]|\\.)*"|r\d+|\{\d*,?\d*\}|[()|*]', body):
                    tok = m.group()
                    if tok.startswith('"'):
                        out.append(re.escape(json.loads(tok)))
                    elif tok.startswith("r"):
                        out.append("(?:" + expand(tok) + ")")
                    else:
                        out.append("(?:" if tok == "(" else tok)
                memo[name] = "".join(out)
        return memo[name]

    return re.compile(expand(grammar.split("start: ", 1)[1].split()[0]))


async def test_invalid_json_is_repaired_with_a_bounded_prompt(openai_mock: GuardedRouter) -> None:
    huge_garbage = '{"countries": ["Norway", ' + '"Chile", ' * 500  # invalid and long
    route = openai_mock.post("/chat/completions").mock(
        side_effect=[
            chat_reply("not json at all", prompt_tokens=100, completion_tokens=5),
            chat_reply(huge_garbage, prompt_tokens=130, completion_tokens=900),
            chat_reply(GOOD, prompt_tokens=131, completion_tokens=9),
        ]
    )
    result = await _complete(await _llm(llm_repair_attempts=2))

    assert result.value == Reply(**GOOD)
    assert route.call_count == 3
    first, second, third = (_messages(openai_mock, i) for i in range(3))
    assert first == MESSAGES
    # Second attempt: the original prompt plus exactly one repair turn naming the error. The bad
    # reply is not echoed back (small models copy a looping reply).
    assert second[: len(MESSAGES)] == MESSAGES and len(second) == len(MESSAGES) + 1
    assert second[-1]["role"] == "user" and "JSON" in second[-1]["content"]
    assert all(m["role"] != "assistant" for m in second)
    # Third attempt replaces the repair turn instead of stacking another one on top.
    assert third[: len(MESSAGES)] == MESSAGES and len(third) == len(MESSAGES) + 1
    assert len(json.dumps(third)) < len(json.dumps(MESSAGES)) + 1_000
    # Usage is summed over every attempt.
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (361, 914)
    assert (result.usage.calls, result.usage.repairs) == (3, 2)


async def test_repair_turn_does_not_echo_the_bad_reply(openai_mock: GuardedRouter) -> None:
    """Small models copy an echoed reply (a looping one comes back looping): never send it."""
    looping = '{"countries": ["Norway", ' + '"Chile", ' * 500  # invalid and long
    openai_mock.post("/chat/completions").mock(
        side_effect=[
            chat_reply("not json at all"),
            chat_reply(looping),
            chat_reply(GOOD),
        ]
    )
    result = await _complete(await _llm(llm_repair_attempts=2))
    assert result.value == Reply(**GOOD)
    second, third = _messages(openai_mock, 1), _messages(openai_mock, 2)
    assert "not json at all" not in json.dumps(second)
    assert '"Chile", "Chile"' not in third[-1]["content"]


async def test_schema_violation_is_repaired_with_the_validation_error(
    openai_mock: GuardedRouter,
) -> None:
    openai_mock.post("/chat/completions").mock(
        side_effect=[
            chat_reply({"countries": ["a", "b", "c", "d"]}),  # too many items, no status
            chat_reply(GOOD),
        ]
    )
    result = await _complete(await _llm())
    assert result.value.status == "signed"
    repair = _messages(openai_mock, 1)[-1]["content"]
    assert "status" in repair and "countries" in repair


async def test_truncated_output_is_retried_then_fails(openai_mock: GuardedRouter) -> None:
    cut = '{"countries": ["Norway", "Chile", "Norway", "Chi'
    route = openai_mock.post("/chat/completions").mock(
        return_value=chat_reply(
            cut, finish_reason="length", prompt_tokens=50, completion_tokens=200
        )
    )
    with pytest.raises(InvalidOutputError) as info:
        await _complete(await _llm(llm_repair_attempts=2))

    assert route.call_count == 3  # the first try and two repairs, no more
    assert "finish_reason=length" in info.value.message
    usage = info.value.details["usage"]
    assert isinstance(usage, Usage)
    assert (usage.prompt_tokens, usage.completion_tokens, usage.calls) == (150, 600, 3)
    # Each re-ask is the original prompt plus one repair turn; the cut reply is not echoed back.
    for i in (1, 2):
        messages = _messages(openai_mock, i)
        assert messages[: len(MESSAGES)] == MESSAGES and len(messages) == len(MESSAGES) + 1
        assert messages[-1]["role"] == "user" and "finish_reason=length" in messages[-1]["content"]
        assert '"Chi' not in json.dumps(messages)


async def test_valid_json_cut_at_the_limit_is_still_a_failure(openai_mock: GuardedRouter) -> None:
    """finish_reason=length means the model wanted to say more: never passed off as complete."""
    openai_mock.post("/chat/completions").mock(
        return_value=chat_reply(GOOD, finish_reason="length")
    )
    with pytest.raises(InvalidOutputError):
        await _complete(await _llm(llm_repair_attempts=0))


async def test_empty_reply_is_invalid(openai_mock: GuardedRouter) -> None:
    openai_mock.post("/chat/completions").mock(return_value=chat_reply(""))
    with pytest.raises(InvalidOutputError, match="empty"):
        await _complete(await _llm(llm_repair_attempts=1))
    assert len(openai_mock.calls) == 2


async def test_rate_limit_is_retried_by_the_sdk_then_reported(openai_mock: GuardedRouter) -> None:
    # retry-after-ms keeps the SDK's wait short; Retry-After is what we report to our caller.
    limited = httpx.Response(
        429,
        headers={"retry-after": "7", "retry-after-ms": "5"},
        json={"error": {"message": "slow down", "type": "rate_limit"}},
    )
    route = openai_mock.post("/chat/completions").mock(return_value=limited)
    with pytest.raises(ProviderUnavailableError) as info:
        await _complete(await _llm(llm_max_retries=2))

    assert route.call_count == 3
    assert info.value.details["retry_after"] == 7
    assert isinstance(info.value.details["usage"], Usage)


async def test_rate_limit_then_success(openai_mock: GuardedRouter) -> None:
    limited = httpx.Response(
        429, headers={"retry-after-ms": "5"}, json={"error": {"message": "slow down"}}
    )
    openai_mock.post("/chat/completions").mock(side_effect=[limited, chat_reply(GOOD)])
    result = await _complete(await _llm(llm_max_retries=1))
    assert result.value == Reply(**GOOD)
    assert result.usage.calls == 1  # HTTP retries are the SDK's; only answered calls count


async def test_server_error_is_retried_then_unavailable(openai_mock: GuardedRouter) -> None:
    failing = httpx.Response(
        500, headers={"retry-after-ms": "5"}, json={"error": {"message": "boom"}}
    )
    route = openai_mock.post("/chat/completions").mock(return_value=failing)
    with pytest.raises(ProviderUnavailableError) as info:
        await _complete(await _llm(llm_max_retries=2))
    assert route.call_count == 3
    assert info.value.details["status"] == 500
    assert "HTTP 500" in info.value.message


async def test_client_error_is_not_retried(openai_mock: GuardedRouter) -> None:
    route = openai_mock.post("/chat/completions").mock(
        return_value=httpx.Response(400, json={"error": {"message": "bad schema"}})
    )
    with pytest.raises(ProviderError) as info:
        await _complete(await _llm(llm_max_retries=2))
    assert not isinstance(info.value, ProviderUnavailableError)
    assert route.call_count == 1
    assert info.value.details["status"] == 400


async def test_timeout_is_retried_then_unavailable(openai_mock: GuardedRouter) -> None:
    route = openai_mock.post("/chat/completions").mock(side_effect=httpx.ReadTimeout("too slow"))
    with pytest.raises(ProviderUnavailableError) as info:
        await _complete(await _llm(llm_max_retries=1))
    assert route.call_count == 2
    assert "APITimeoutError" in info.value.message


async def test_connection_refused_is_unavailable(openai_mock: GuardedRouter) -> None:
    openai_mock.post("/chat/completions").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(ProviderUnavailableError, match="SUMMARISER_LLM_BASE_URL"):
        await _complete(await _llm())


async def test_usage_is_kept_when_repairs_are_exhausted_after_a_good_start(
    openai_mock: GuardedRouter,
) -> None:
    openai_mock.post("/chat/completions").mock(
        side_effect=[
            chat_reply("{}", prompt_tokens=10, completion_tokens=1),
            chat_reply("[]", prompt_tokens=11, completion_tokens=2),
        ]
    )
    with pytest.raises(InvalidOutputError) as info:
        await _complete(await _llm(llm_repair_attempts=1))
    usage = info.value.details["usage"]
    assert (usage.prompt_tokens, usage.completion_tokens, usage.calls, usage.repairs) == (
        21,
        3,
        2,
        1,
    )


async def test_base_url_without_model_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="SUMMARISER_LLM_MODEL"):
        await open_llm(mock_settings(llm_model=None))


# --- the guards ------------------------------------------------------------------------------------


async def test_unmocked_request_fails_the_test_and_never_reaches_a_socket() -> None:
    """An unmocked request inside the guard fails the test instead of reaching a network.

    A real loopback listener stands in for the network: it must see no connection, and the guard
    must fail the test even though our client turned the refusal into an ordinary error.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    connections: list[object] = []

    def accept() -> None:
        with contextlib.suppress(OSError):  # the timeout: nobody connected
            connections.append(listener.accept())

    thread = threading.Thread(target=accept)
    thread.start()
    router = GuardedRouter()  # the same router the openai_mock fixture uses
    try:
        with router:
            llm = await open_llm(mock_settings(llm_base_url=f"http://127.0.0.1:{port}/v1"))
            with pytest.raises(ProviderUnavailableError):  # what the code under test sees
                await _complete(llm)
        with pytest.raises(pytest.fail.Exception, match="unmocked HTTP request"):
            router.check()  # what the fixture does at teardown: the test fails
    finally:
        thread.join()
        listener.close()
    assert connections == []
    assert len(router.unmocked) == 1 and router.unmocked[0].url.port == port


def test_non_live_tests_point_at_a_blocked_endpoint() -> None:
    from service.config import Settings

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.llm_base_url and settings.llm_base_url.startswith("http://127.0.0.1:9/")
    assert not settings.uses_embedded_model


async def test_non_live_tests_cannot_start_the_embedded_model() -> None:
    from service.config import Settings

    with pytest.raises(RuntimeError, match="live"):
        await open_llm(Settings(_env_file=None, llm_base_url=None))  # type: ignore[call-arg]


async def test_blocked_endpoint_fails_fast_without_leaving_loopback() -> None:
    from service.config import Settings

    settings = Settings(_env_file=None, llm_model="m", llm_max_retries=0, llm_timeout_s=5)  # type: ignore[call-arg]
    llm = await open_llm(settings)
    try:
        with pytest.raises(ProviderUnavailableError):
            await llm.complete(MESSAGES, Reply, max_tokens=10, name="reply")
    finally:
        await llm.aclose()


def test_mock_url_is_not_a_real_host() -> None:
    assert httpx.URL(MOCK_LLM_URL).host.endswith(".test")  # RFC 2606: never resolves
