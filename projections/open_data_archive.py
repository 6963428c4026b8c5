"""The open-data package of a project as one zip file (the web's download).

:func:`package_zip` writes the package (:func:`relogement.projections.open_data.write_package`)
into a temporary folder and zips it: ``datapackage.json`` and the CSV files at the root
of the archive. It also returns the pseudonymous ids of the households the package
describes, for the access log: the package holds no identity, but its rows are about
these households, so who downloaded it is recorded for each of them.
"""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from relogement.projections import open_data
from relogement.projections import queries as q


@dataclass(frozen=True)
class PackageArchive:
    data: bytes
    file_name: str
    position: int
    household_ids: tuple[UUID, ...]


def package_zip(app: Any, db: Any, project_id: UUID, position: int, instant: datetime | None) -> PackageArchive | None:
    """The zip of ``project_id``'s package as of ``position``; None if the project did
    not exist at that position."""
    project = q.get_project(db, project_id, position=position)
    if project is None:
        return None
    when = instant or q.instant_of(db, position) or datetime.min
    with tempfile.TemporaryDirectory(prefix="relogement-open-data-") as folder:
        directory = Path(folder) / "package"
        open_data.write_package(app, db, project, position, when, directory)
        households = _household_ids(directory / "menages_inscrits.csv")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(directory.iterdir()):
                archive.write(path, arcname=path.name)
    code = "".join(c if c.isalnum() or c in "-_" else "-" for c in str(project["code"]))
    return PackageArchive(
        buffer.getvalue(), f"donnees-ouvertes-{code}-{position}.zip", position, households
    )


def _household_ids(path: Path) -> tuple[UUID, ...]:
    if not path.exists():
        return ()
    with path.open(encoding="utf-8", newline="") as f:
        return tuple(dict.fromkeys(UUID(r["household_id"]) for r in csv.DictReader(f) if r.get("household_id")))
