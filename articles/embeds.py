"""Embeds in an article body: which links may be embedded, and the player each one becomes.

This is the one place that knows the providers. A body line ``[embed <link>]`` is turned by
``embed_for`` into a block with the provider's player address; the page shows a placeholder
that loads nothing from the provider until the reader asks (``static/js/embeds.js``), and the
Content-Security-Policy's ``frame-src`` (``magazine/settings.py``) lists exactly
``FRAME_SOURCES``, the player hosts below. Pure Python: the settings module imports it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, urlencode, urlsplit


class EmbedRefused(ValueError):
    """A link that cannot be embedded; the message says why and what to paste instead."""


@dataclass(frozen=True)
class Provider:
    key: str
    name: str
    kind: str  # "video" or "map": the placeholder's wording
    link_hosts: frozenset[str]  # where the links editors paste come from
    player_origin: str  # where the player is loaded from (the CSP frame-src entry)
    player: Callable  # (parts of the pasted link) -> the player's address; EmbedRefused if broken
    # The iframe's sandbox and allow attributes: what the player needs, nothing more.
    sandbox: str = "allow-scripts allow-same-origin allow-presentation allow-popups"
    allow: str = "fullscreen; picture-in-picture; encrypted-media"


def _query(parts) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(parts.query).items() if values}


_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_YOUTUBE_PATH = re.compile(r"^/(?:embed|shorts|live|v)/([A-Za-z0-9_-]{11})(?:[/?]|$)")
_START = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?$")


def _start_seconds(value: str | None) -> int | None:
    match = _START.match(value or "")
    if not value or not match:
        return None
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds or None


def youtube(parts) -> str:
    query = _query(parts)
    if parts.hostname == "youtu.be":
        video = parts.path.strip("/").split("/")[0]
    elif parts.path == "/watch":
        video = query.get("v", "")
    else:
        match = _YOUTUBE_PATH.match(parts.path)
        video = match.group(1) if match else ""
    if not _YOUTUBE_ID.fullmatch(video):
        raise EmbedRefused(
            "This YouTube link names no video. Paste the address of the video's page "
            "(youtube.com/watch?v=… or youtu.be/…)."
        )
    start = _start_seconds(query.get("t") or query.get("start"))
    return f"https://www.youtube-nocookie.com/embed/{video}" + (f"?start={start}" if start else "")


_BVID = re.compile(r"^/video/(BV[0-9A-Za-z]{10})(?:/|$)")


def bilibili(parts) -> str:
    match = _BVID.match(parts.path)
    if not match:
        raise EmbedRefused(
            "This Bilibili link names no video. Paste the address of the video's page "
            "(bilibili.com/video/BV…); short b23.tv links must be opened first and the full address copied."
        )
    return "https://player.bilibili.com/player.html?" + urlencode({"bvid": match.group(1), "autoplay": 0})


_VIMEO_PATH = re.compile(r"^/(?:video/)?(\d{3,12})(?:/([0-9a-f]{6,20}))?/?$")


def vimeo(parts) -> str:
    match = _VIMEO_PATH.match(parts.path)
    if not match:
        raise EmbedRefused("This Vimeo link names no video. Paste the address of the video's page (vimeo.com/123456789).")
    video, private_hash = match.groups()
    private_hash = private_hash or _query(parts).get("h", "")
    query: dict[str, str | int] = {"dnt": 1}
    if re.fullmatch(r"[0-9a-f]{6,20}", private_hash):
        query["h"] = private_hash  # an unlisted video plays only with its hash
    return f"https://player.vimeo.com/video/{video}?" + urlencode(query)


# A map shown in a frame about 800 × 450 pixels wide: at zoom z a pixel spans 360 / (256 · 2^z) degrees.
_MAP_HALF_WIDTH_PX, _MAP_HALF_HEIGHT_PX = 400, 225


def _number(value: str | None, low: float, high: float) -> float | None:
    try:
        number = float(value or "")
    except ValueError:
        return None
    return number if math.isfinite(number) and low <= number <= high else None


def openstreetmap(parts) -> str:
    query = _query(parts)
    marker_lat, marker_lon = _number(query.get("mlat"), -85, 85), _number(query.get("mlon"), -180, 180)
    zoom, lat, lon = 15.0, marker_lat, marker_lon
    view = re.match(r"^map=([^/]+)/([^/]+)/([^/&]+)", parts.fragment or "")
    if view:
        zoom = _number(view.group(1), 0, 19) or zoom
        lat, lon = _number(view.group(2), -85, 85), _number(view.group(3), -180, 180)
    if lat is None or lon is None:
        raise EmbedRefused(
            "This OpenStreetMap link names no place. On openstreetmap.org, right-click the place, "
            "choose “Show address” or “Share” and paste the link (with mlat and mlon, or #map=zoom/lat/lon)."
        )
    if marker_lat is None or marker_lon is None:
        marker_lat, marker_lon = lat, lon
    degrees_per_px = 360 / (256 * 2**zoom)
    half_lon = _MAP_HALF_WIDTH_PX * degrees_per_px
    half_lat = _MAP_HALF_HEIGHT_PX * degrees_per_px * math.cos(math.radians(lat))
    bbox = [max(lon - half_lon, -180), max(lat - half_lat, -85), min(lon + half_lon, 180), min(lat + half_lat, 85)]
    return "https://www.openstreetmap.org/export/embed.html?" + urlencode(
        {
            "bbox": ",".join(f"{value:.5f}" for value in bbox),
            "layer": "mapnik",
            "marker": f"{marker_lat:.5f},{marker_lon:.5f}",
        }
    )


def google_maps(parts) -> str:
    pb = _query(parts).get("pb", "")
    if parts.hostname == "maps.app.goo.gl" or parts.path != "/maps/embed" or not re.fullmatch(r"[\w!.:%*+,-]{10,4000}", pb):
        raise EmbedRefused(
            "This Google Maps link cannot be embedded. In Google Maps choose Share → Embed a map, "
            "and paste the address inside its src=\"…\" (google.com/maps/embed?pb=…)."
        )
    return "https://www.google.com/maps/embed?pb=" + quote(pb, safe="!.:*,-_")


PROVIDERS = [
    Provider(
        key="youtube",
        name="YouTube",
        kind="video",
        link_hosts=frozenset(
            {"youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be", "youtube-nocookie.com", "www.youtube-nocookie.com"}
        ),
        player_origin="https://www.youtube-nocookie.com",
        player=youtube,
    ),
    Provider(
        key="bilibili",
        name="Bilibili",
        kind="video",
        link_hosts=frozenset({"bilibili.com", "www.bilibili.com", "m.bilibili.com", "b23.tv"}),
        player_origin="https://player.bilibili.com",
        player=bilibili,
    ),
    Provider(
        key="vimeo",
        name="Vimeo",
        kind="video",
        link_hosts=frozenset({"vimeo.com", "www.vimeo.com", "player.vimeo.com"}),
        player_origin="https://player.vimeo.com",
        player=vimeo,
    ),
    Provider(
        key="openstreetmap",
        name="OpenStreetMap",
        kind="map",
        link_hosts=frozenset({"openstreetmap.org", "www.openstreetmap.org", "osm.org"}),
        player_origin="https://www.openstreetmap.org",
        player=openstreetmap,
        sandbox="allow-scripts allow-same-origin allow-popups",
        allow="fullscreen",
    ),
    Provider(
        key="google-maps",
        name="Google Maps",
        kind="map",
        link_hosts=frozenset({"google.com", "www.google.com", "maps.google.com", "maps.app.goo.gl"}),
        player_origin="https://www.google.com",
        player=google_maps,
        sandbox="allow-scripts allow-same-origin allow-popups",
        allow="fullscreen",
    ),
]
BY_KEY = {provider.key: provider for provider in PROVIDERS}
FRAME_SOURCES = [provider.player_origin for provider in PROVIDERS]
PROVIDER_NAMES = ", ".join(provider.name for provider in PROVIDERS)
NOT_LISTED = f"Embeds come only from: {PROVIDER_NAMES}."


def provider_for_host(host: str) -> Provider | None:
    return next((provider for provider in PROVIDERS if host in provider.link_hosts), None)


def embed_for(link: str, *, title: str = "") -> dict[str, str]:
    """The body block for an ``[embed <link>]`` line; ``EmbedRefused`` says why a link cannot be one."""
    link = link.strip().strip("<>")
    try:
        parts = urlsplit(link if "//" in link else f"https://{link}")
        host = (parts.hostname or "").lower()
    except ValueError as error:
        raise EmbedRefused(f"“{link}” is not a web address. {NOT_LISTED}") from error
    if parts.scheme not in {"http", "https"} or not host:
        raise EmbedRefused(f"“{link}” is not a web address. {NOT_LISTED}")
    provider = provider_for_host(host)
    if provider is None:
        raise EmbedRefused(f"{host} cannot be embedded. {NOT_LISTED}")
    src = provider.player(parts)
    default_title = f"{provider.name} video" if provider.kind == "video" else f"Map on {provider.name}"
    return {
        "type": "embed",
        "provider": provider.key,
        "src": src,
        "url": parts.geturl(),
        "title": title or default_title,
    }


def placeholder(block: dict[str, str]) -> dict[str, str] | None:
    """What the page's placeholder shows of an embed block; None for a provider no longer listed."""
    provider = BY_KEY.get(block.get("provider", ""))
    if provider is None or not str(block.get("src", "")).startswith(provider.player_origin + "/"):
        return None
    return {
        "provider": provider.name,
        "kind": provider.kind,
        "host": provider.player_origin.removeprefix("https://"),
        "src": block["src"],
        "url": block.get("url", ""),
        "title": block.get("title") or provider.name,
        "sandbox": provider.sandbox,
        "allow": provider.allow,
        "action": "Load the video from " + provider.name if provider.kind == "video" else "Load the map from " + provider.name,
    }
