"""``chambers serve``: the web app on uvicorn (plus, later, the embedded Redis and workers)."""
from __future__ import annotations

import logging

from .config import Settings


def serve(settings: Settings, *, host: str, port: int, workers: int | None = None) -> int:
    import uvicorn

    from .web.app import create_app
    from .wiring import build

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if workers is not None:
        settings.workers = workers
    chambers = build(settings)
    app = create_app(chambers)
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=False)
    return 0
