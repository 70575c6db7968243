"""Take the screenshots of the reviewer dashboard in docs/img/ from a seeded registry,
with Debian's headless Chromium.

    PYTHONPATH=src:. python scripts/web_screenshots.py [--out docs/img]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from tests.web.browser import chromium, serve, sign_in
from tests.web.seed import seed_registry

from modelsteward.services import approval
from modelsteward.web import WebOptions, create_app

PAGES = (
    ("web-approvals.png", "bob:legal", "/approvals"),
    ("web-overview.png", "root:admin", "/"),
    ("web-models.png", "root:admin", "/models"),
    ("web-passport.png", "bob:legal", "/models/helpful-llama-trojan"),
    ("web-sla.png", "sam:security", "/sla"),
    ("web-exceptions.png", "root:admin", "/exceptions"),
    ("web-audit.png", "root:admin", "/audit"),
    ("web-diff.png", "bob:legal", "/models/support-bot-lora/diff?old=1&new=2"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("docs/img"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        seeded = seed_registry(f"sqlite:///{tmp}/registry.db", Path(tmp))
        options = WebOptions(registry_dsn=seeded.dsn, secret_key=b"s" * 32, secure_cookies=False)
        app = create_app(options)
        app.state.chain.verify_now()
        with serve(app) as base, chromium(1280, 860) as driver:
            for name, who, path in PAGES:
                sign_in(driver, base, seeded.tokens[who])
                driver.get(base + path)
                driver.save_screenshot(str(args.out / name))
                print(args.out / name)
                if name == "web-approvals.png":  # then a verdict, for the overview's chart
                    bob = app.state.service.actors.authenticate(seeded.tokens["bob:legal"])
                    approval.sign(
                        app.state.service,
                        "support-bot-lora",
                        bob,
                        "obligations accepted",
                        approve=True,
                    )


if __name__ == "__main__":
    main()
