"""``summarise bench``: this pipeline and the alternatives a user would pick, on one endpoint.

Measures LLM calls, tokens, wall time and eval scores per approach, non-LLM overhead, scaling with
article length, chunk-call concurrency, cached repeats and server throughput. Never imported by
the runtime service; the LangChain approach needs the optional ``bench`` extra.
"""
