"""vulns package."""
