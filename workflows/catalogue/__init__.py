"""The architecture catalogue: principles → rules → versions, and reference architectures (issue 14).

The family's modules:

- ``models``: the records (Principle, PrincipleVersion, Rule, RuleVersion, RuleContact, ReferenceArchitecture,
  ReferenceArchitectureVersion), the status values (RuleStatus, Scope) and the plain queries
  (``adopted_rule_versions``: what an architecture review assesses)
"""
from .models import (
    DECIDED_STATUSES, PUBLIC_STATUSES, SCOPES, STATUS_LABELS, Principle, PrincipleVersion, Provenance,
    ReferenceArchitecture, ReferenceArchitectureVersion, Rule, RuleContact, RuleStatus, RuleVersion, Scope,
    adopted_rule_versions, principle_by_key, principle_by_number, rule_by_key, rule_code, rule_key,
)

__all__ = [
    "DECIDED_STATUSES", "PUBLIC_STATUSES", "SCOPES", "STATUS_LABELS", "Principle", "PrincipleVersion", "Provenance",
    "ReferenceArchitecture", "ReferenceArchitectureVersion", "Rule", "RuleContact", "RuleStatus", "RuleVersion",
    "Scope", "adopted_rule_versions", "principle_by_key", "principle_by_number", "rule_by_key", "rule_code",
    "rule_key",
]
