"""The README's nginx block for /media/, run by a real nginx: images inline, PDFs and anything
else as downloads with a fixed type and nosniff. Skipped where nginx is not installed
(`apt-get install nginx`)."""

import re
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from articles.tests.factories import image_bytes
from magazine.tests.factories import pdf_bytes
from tests import tools

ROOT = Path(__file__).resolve().parents[1]
NGINX = tools.find("nginx")


@pytest.fixture(autouse=True)
def _nginx():
    tools.need("nginx", "apt-get install nginx")


def readme_media_block() -> str:
    blocks = re.findall(r"```nginx\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    assert len(blocks) == 1, "README.md should hold exactly one nginx block"
    return blocks[0]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def nginx(tmp_path):
    media = tmp_path / "media"
    media.mkdir()
    block = readme_media_block().replace("/srv/magazine/media/", f"{media}/")
    assert f"alias {media}/;" in block
    port = _free_port()
    temp = tmp_path / "temp"
    temp.mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"""
daemon off;
master_process off;
pid {tmp_path}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        {block}
    }}
}}
"""
    )
    server = subprocess.Popen(
        [NGINX, "-p", str(tmp_path), "-e", "stderr", "-c", str(conf)], stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            if server.poll() is not None:
                pytest.fail(f"nginx did not start: {server.stderr.read()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("nginx did not listen within 10 s")
                time.sleep(0.05)
        yield media, f"http://127.0.0.1:{port}/media/"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def _get(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers, response.read()


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("covers/cover.jpg", image_bytes(30, 20), "image/jpeg"),
        ("renditions/1-400.jpeg", image_bytes(30, 20), "image/jpeg"),
        ("covers/cover.png", image_bytes(30, 20, fmt="PNG"), "image/png"),
        ("covers/cover.gif", image_bytes(30, 20, fmt="GIF"), "image/gif"),
        ("renditions/1-400.webp", image_bytes(30, 20, fmt="WEBP"), "image/webp"),
    ],
)
def test_nginx_recipe_serves_images_inline_with_their_type(nginx, name, content, content_type):
    media, base = nginx
    (media / name).parent.mkdir(parents=True, exist_ok=True)
    (media / name).write_bytes(content)

    status, headers, body = _get(base + name)

    assert (status, body) == (200, content)
    assert headers["Content-Type"] == content_type
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Disposition"] is None


def test_nginx_recipe_serves_pdfs_as_downloads(nginx):
    media, base = nginx
    (media / "issue.pdf").write_bytes(pdf_bytes())

    status, headers, body = _get(base + "issue.pdf")

    assert (status, body) == (200, pdf_bytes())
    assert headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"] == "attachment"
    assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("name", ["old.html", "page.htm", "logo.svg", "notes.txt", "script.js", "noextension"])
def test_nginx_recipe_never_serves_other_files_as_pages(nginx, name):
    media, base = nginx
    (media / name).write_bytes(b"<html><script>alert(document.cookie)</script></html>")

    status, headers, _ = _get(base + name)

    assert status == 200
    assert headers["Content-Type"] == "application/octet-stream"
    assert headers["Content-Disposition"] == "attachment"
    assert headers["X-Content-Type-Options"] == "nosniff"
