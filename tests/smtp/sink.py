# An SMTP server for the tests, on loopback only: each message it receives becomes one file
# (`<n>.eml`, the message as received) in the folder given on the command line. It prints
# `PORT <port>` once it accepts connections, and runs until killed.
#
#   python sink.py <folder> [--port N]     # N: a fixed port (default: any free one)

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session


class Keep:
    """Writes each message to the folder; a file appears whole (written aside, then renamed)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.numbers = itertools.count(1)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        n = next(self.numbers)
        name = f"{os.getpid()}-{n:06d}.eml"
        partial = self.folder / f".{name}.partial"
        partial.write_bytes(content)
        partial.rename(self.folder / name)
        return "250 Message accepted for delivery"


async def serve(folder: Path, port: int) -> None:
    handler = Keep(folder)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, hostname="sink.invalid"), "127.0.0.1", port)
    bound = server.sockets[0].getsockname()[1]
    print(f"PORT {bound}", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    try:
        asyncio.run(serve(args.folder, args.port))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
