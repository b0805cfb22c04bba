"""Start the regassist web app: ``python ui.py [--host H] [--port P] [--index DIR] [--corpus DIR]``.

Settings come from REGASSIST_* environment variables (host, port, operator password, concurrency, index);
an empty or missing index is filled from the demo corpus first.
"""

from __future__ import annotations

from regassist.webapp import main

if __name__ == "__main__":
    main()
