"""``python -m modelsteward``."""

from modelsteward.cli.entry import main

main()
