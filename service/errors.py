"""One small hierarchy of domain errors.

Every error carries a stable ``code`` (used by the CLI's exit codes and the API's problem-details
``type``) and a message that says what to do next.
"""

from __future__ import annotations


class SummariserError(Exception):
    """Root of every error the service raises on purpose."""

    code = "summariser_error"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class ConfigError(SummariserError):
    """The settings are inconsistent or a required local resource is missing."""

    code = "config_error"


class InputError(SummariserError):
    """The submitted article cannot be processed as given (client error)."""

    code = "invalid_input"


class EmptyInputError(InputError):
    code = "empty_input"


class NotTextError(InputError):
    code = "not_text"


class EncodingError(InputError):
    code = "bad_encoding"


class InputTooLargeError(InputError):
    code = "input_too_large"


class InvalidTextError(InputError):
    """Text that is not valid Unicode: a lone UTF-16 surrogate (a JSON ``"\\ud800"`` escape)."""

    code = "invalid_text"


class TitleTooLongError(InputError):
    code = "title_too_long"


class PromptError(SummariserError):
    """A prompt template is missing, malformed, or does not fit the model's context."""

    code = "prompt_error"


class ContextOverflowError(PromptError):
    code = "context_overflow"


class ProviderError(SummariserError):
    """The LLM endpoint failed: unreachable, rate limited, timed out, or returned garbage."""

    code = "llm_error"


class ProviderUnavailableError(ProviderError):
    """The LLM endpoint cannot be reached or keeps refusing; retrying later may work."""

    code = "llm_unavailable"


class CircuitOpenError(ProviderUnavailableError):
    """The endpoint failed repeatedly: calls fail fast until the breaker lets a trial through."""


class DeadlineExceededLLMError(ProviderUnavailableError):
    """One model request used up its deadline (``SUMMARISER_LLM_DEADLINE_S``) across retries."""


class InvalidOutputError(ProviderError):
    """The model's output stayed invalid (bad JSON, schema violation, truncated) after repairs."""

    code = "llm_invalid_output"


class DatabaseUnavailableError(SummariserError):
    """The database cannot be reached; the service keeps running and retries on the next use."""

    code = "database_unavailable"


class PartialResultError(SummariserError):
    """Some chunks failed; the partial result is attached and never passed off as whole."""

    code = "partial_result"

    def __init__(self, message: str, result: object, **details: object) -> None:
        super().__init__(message, **details)
        self.result = result
