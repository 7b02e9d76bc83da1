"""Media that runs log: images, audio, video, tables, histograms, text, prompts, point
clouds, embeddings and figures; stored as content-addressed blobs, indexed by
(run, key, step, index) in ``media_items``."""

from shipyard.media import plots
from shipyard.media.base import KINDS, EncodedMedia, Media, MediaPart
from shipyard.media.convert import as_media, media_items
from shipyard.media.figures import Figure
from shipyard.media.image import Image
from shipyard.media.records import MediaKeySummary, MediaRecord, MediaSpec
from shipyard.media.service import MediaService
from shipyard.media.sound import Audio, Video
from shipyard.media.spatial import Embeddings, PointCloud
from shipyard.media.table import Table
from shipyard.media.table_query import TablePage, load_table, table_page
from shipyard.media.values import Histogram, Prompt, Text

__all__ = [
    "KINDS",
    "Audio",
    "Embeddings",
    "EncodedMedia",
    "Figure",
    "Histogram",
    "Image",
    "Media",
    "MediaKeySummary",
    "MediaPart",
    "MediaRecord",
    "MediaService",
    "MediaSpec",
    "PointCloud",
    "Prompt",
    "Table",
    "TablePage",
    "Text",
    "Video",
    "as_media",
    "load_table",
    "media_items",
    "plots",
    "table_page",
]
