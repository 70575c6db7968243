"""Vulnerability and patch management: OSV advisories matched exactly against inventories,
SLA clocks, and a CycloneDX AI-BOM."""

from modelsteward.vulns.bom import build_bom
from modelsteward.vulns.db import AdvisoryDatabase, IndexStats, build_index
from modelsteward.vulns.engine import inventory_from_engine
from modelsteward.vulns.errors import VulnError
from modelsteward.vulns.match import Vulnerability, VulnResult, match_packages
from modelsteward.vulns.osv import Advisory, normalize_name, parse_advisory
from modelsteward.vulns.package import Package
from modelsteward.vulns.rules import RULES
from modelsteward.vulns.severity import Rating, rate
from modelsteward.vulns.sla import (
    RiskException,
    SlaEntry,
    SlaPolicy,
    ThreatData,
    load_epss,
    load_kev,
)
from modelsteward.vulns.sources import Inventory, InventoryFormat, load_inventory, read_inventory
from modelsteward.vulns.state import JsonSlaStateStore, SlaStateStore, accept_risk, record_sightings
from modelsteward.vulns.update import OSV_EXPORT_URL, update_database

__all__ = [
    "OSV_EXPORT_URL",
    "RULES",
    "Advisory",
    "AdvisoryDatabase",
    "IndexStats",
    "Inventory",
    "InventoryFormat",
    "JsonSlaStateStore",
    "Package",
    "Rating",
    "RiskException",
    "SlaEntry",
    "SlaPolicy",
    "SlaStateStore",
    "ThreatData",
    "VulnError",
    "VulnResult",
    "Vulnerability",
    "accept_risk",
    "build_bom",
    "build_index",
    "inventory_from_engine",
    "load_epss",
    "load_inventory",
    "load_kev",
    "match_packages",
    "normalize_name",
    "parse_advisory",
    "rate",
    "read_inventory",
    "record_sightings",
    "update_database",
]
