"""Create .venv with a working pip, using only the standard library.

Debian's python3 may come without ensurepip (the python3-venv package). Then the venv is
made without pip, and pip's own wheel, fetched from PyPI, installs pip into it.
"""

import json
import subprocess
import sys
import tempfile
import urllib.request
import venv
from pathlib import Path

VENV = Path(sys.argv[1] if len(sys.argv) > 1 else ".venv")
PYTHON = VENV / "bin" / "python"


def has_pip() -> bool:
    return PYTHON.exists() and subprocess.run([PYTHON, "-m", "pip", "--version"], capture_output=True).returncode == 0


def main() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this script runs on whatever python3 the machine has
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    if has_pip():
        return
    try:
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    except Exception as exc:  # noqa: BLE001 - any failure falls back to the wheel
        print(f"venv with pip failed ({exc}); installing pip from its wheel instead.")
        venv.EnvBuilder(with_pip=False, clear=True).create(VENV)
    if has_pip():
        return
    with urllib.request.urlopen("https://pypi.org/pypi/pip/json", timeout=60) as response:
        release = json.load(response)
    wheel = next(f for f in release["urls"] if f["filename"].endswith(".whl"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / wheel["filename"]
        with urllib.request.urlopen(wheel["url"], timeout=120) as response:
            path.write_bytes(response.read())
        subprocess.run([PYTHON, f"{path}/pip", "install", "--quiet", str(path)], check=True)
    if not has_pip():
        sys.exit("Could not install pip into .venv.")


if __name__ == "__main__":
    main()
