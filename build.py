#!/usr/bin/env python3
"""Build the site: `python build.py` (same as `site-gen build`); `python build.py --help`."""

from site_gen.cli import run

if __name__ == "__main__":
    run()
