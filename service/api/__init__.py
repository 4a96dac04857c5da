"""The REST service: FastAPI app, routes and dependencies. No domain logic lives here."""

from service.api.app import create_app

__all__ = ["create_app"]
