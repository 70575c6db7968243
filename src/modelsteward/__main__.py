"""``python -m modelsteward``."""

from modelsteward.cli.main import main

main()
