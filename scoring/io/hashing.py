"""Content hashes of files, for the run manifest: which exact bytes were read and written."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes, read in chunks so large inputs stay out of memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_path(path: str | Path) -> str:
    """`sha256_file`, or for a folder (a partitioned dataset) the SHA-256 of the lines
    `<path inside it>\t<its SHA-256>` of its files, sorted: any change shows."""
    folder = Path(path)
    if not folder.is_dir():
        return sha256_file(folder)
    digest = hashlib.sha256()
    for file in sorted(folder.rglob("*"), key=lambda p: p.relative_to(folder).parts):
        if file.is_file():
            digest.update(f"{file.relative_to(folder).as_posix()}\t{sha256_file(file)}\n".encode())
    return digest.hexdigest()
