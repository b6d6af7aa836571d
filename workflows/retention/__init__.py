"""Retention of personal data (rules, the daily run) and erasure on request; see rules.py, run.py, erasure.py."""
from .erasure import Erasure, ErasureRefused, ErasureReport
from .rules import RULES, RULES_BY_KEY, Rule, periods
from .run import Retention, RetentionRun, RunReport

__all__ = ["RULES", "RULES_BY_KEY", "Erasure", "ErasureRefused", "ErasureReport", "Retention", "RetentionRun",
           "Rule", "RunReport", "periods"]
