"""The demo workspace: real model files built by code, for ``modelsteward demo``."""

from modelsteward.demo.models import DemoWorkspace, build_workspace

__all__ = ["DemoWorkspace", "build_workspace"]
