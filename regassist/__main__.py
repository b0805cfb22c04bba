"""`python -m regassist ...`: the same as the `regassist` command."""

from __future__ import annotations

from regassist.cli import main

if __name__ == "__main__":
    main()
