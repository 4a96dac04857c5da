"""Accepting and running summary work, for the API, the in-process worker and Celery tasks alike.

Submitting (idempotency keys, validation), running (content-hash cache, usage booking), finishing
(exactly once) and webhook delivery. No web framework here: ``service.api`` only speaks HTTP.
"""
