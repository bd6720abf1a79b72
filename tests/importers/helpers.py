"""Running an import the way the CLI does: read the file, then hand its threads to the service."""

from __future__ import annotations

from pathlib import Path

from rostra.importers import disqus, isso, rostra, wordpress
from rostra.services.imports import ImportReport, ImportSource
from rostra.services.registry import Services


async def run_import(
    services: Services,
    source: ImportSource,
    path: Path,
    *,
    site: str = "news",
    dry_run: bool = False,
    strict: bool = False,
) -> ImportReport:
    assert services.imports is not None
    reader: disqus.Spool | isso.IssoDatabase | rostra.RostraExport
    if source is ImportSource.DISQUS:
        reader = disqus.read(path, strict=strict)
    elif source is ImportSource.WORDPRESS:
        reader = wordpress.read(path, strict=strict)
    elif source is ImportSource.ISSO:
        reader = isso.IssoDatabase(path, strict=strict)
    else:
        reader = rostra.RostraExport(path, strict=strict)
        if not dry_run:
            await services.imports.prepare_site(site, reader.site)
    try:
        report = await services.imports.import_comments(
            site, source, reader.threads(), dry_run=dry_run, reader=reader
        )
    finally:
        reader.close()
    # Every record of the file is accounted for, once.
    assert report.accounted == report.records, report
    return report
