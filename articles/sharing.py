"""Share buttons without third-party scripts: plain links to each network's share page.

WeChat has no web share page: readers scan a QR code of the article's address with the
WeChat app instead (``views.article_share_qr``). Copying the link is done in the browser.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import quote, urlencode

from magazine import ratelimit

# The networks a share may be counted for, in the order the buttons appear.
NETWORKS = {
    "wechat": "WeChat",
    "weibo": "Weibo",
    "x": "X",
    "facebook": "Facebook",
    "linkedin": "LinkedIn",
    "email": "Email",
    "copy": "Copy link",
    "system": "Share sheet",  # the phone's own share sheet (Web Share API)
}
# One counted share per reader (IP address), article and network in this many seconds.
SHARE_RATE_LIMIT_SECONDS = 3600


def share_links(*, url: str, title: str) -> list[dict]:
    """The link-only networks: name, label, the address that opens their share page, and
    whether it opens in a new window (all but email, which opens the mail program)."""
    links = [
        {
            "network": "weibo",
            "label": NETWORKS["weibo"],
            "href": "https://service.weibo.com/share/share.php?" + urlencode({"url": url, "title": title}),
        },
        {"network": "x", "label": NETWORKS["x"], "href": "https://x.com/intent/tweet?" + urlencode({"url": url, "text": title})},
        {
            "network": "facebook",
            "label": NETWORKS["facebook"],
            "href": "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url}),
        },
        {
            "network": "linkedin",
            "label": NETWORKS["linkedin"],
            "href": "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url}),
        },
        {
            "network": "email",
            "label": NETWORKS["email"],
            # mailto wants %20 for spaces, not "+".
            "href": "mailto:?" + urlencode({"subject": title, "body": f"{title}\n\n{url}"}, quote_via=_quote),
        },
    ]
    for link in links:
        link["new_window"] = link["network"] != "email"
    return links


def _quote(value, safe="", encoding=None, errors=None):
    return quote(value, safe=safe, encoding=encoding, errors=errors)


def client_ip(request) -> str:
    """The reader's address (REMOTE_ADDR; a proxy in front must set it), or "unknown"."""
    value = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return "unknown"


def share_may_count(*, article_id: int, network: str, ip: str) -> bool:
    """True the first time in the rate-limit window a reader shares the article on a network."""
    return ratelimit.hit(f"share:{article_id}:{network}:{ip}", 1, SHARE_RATE_LIMIT_SECONDS)


def qr_svg(text: str) -> bytes:
    """A QR code of ``text`` as an SVG document."""
    import io

    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()
