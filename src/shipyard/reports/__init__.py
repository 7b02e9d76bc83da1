"""Reports: versioned documents built from runs, media, models, features and lineage.

A report is a JSON spec (run sets and ordered blocks) saved in versions; a version is
live (its panels query current data) or a snapshot (the data is frozen into it). It
renders in the web UI and exports to a self-contained HTML file or a PDF.
"""

from shipyard.reports.export import render_html
from shipyard.reports.markdown import render_markdown
from shipyard.reports.records import ReportRecord, ReportVersion, ShareLink
from shipyard.reports.resolve import Sources, resolve
from shipyard.reports.service import ReportService
from shipyard.reports.spec import BLOCK_TYPES, check_spec

__all__ = [
    "BLOCK_TYPES",
    "ReportRecord",
    "ReportService",
    "ReportVersion",
    "ShareLink",
    "Sources",
    "check_spec",
    "render_html",
    "render_markdown",
    "resolve",
]
