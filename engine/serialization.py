"""Serialize workflows without their spec; specs are stored once per process version."""
from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG


class SpeclessWorkflowConverter(BpmnWorkflowConverter):
    """Leaves `spec` and `subprocess_specs` out; on restore, takes them as objects."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct):
        from uuid import UUID

        spec = dct.pop("spec")
        subprocess_specs = dct.pop("subprocess_specs")
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class CaseSerializer:
    """Workflow state <-> JSON text without the spec; spec <-> JSON text."""

    def __init__(self):
        config = dict(SPIFF_CONFIG)
        config[BpmnWorkflow] = SpeclessWorkflowConverter
        registry = BpmnWorkflowSerializer.configure(config)
        registry.register(date, lambda v: {"value": v.isoformat()}, lambda v: date.fromisoformat(v["value"]))
        registry.register(Decimal, lambda v: {"value": str(v)}, lambda v: Decimal(v["value"]))
        self.spiff = BpmnWorkflowSerializer(registry)
        self.registry = registry
        self.version = self.spiff.VERSION

    # --- specs -----------------------------------------------------------
    def dump_spec(self, spec, subprocess_specs) -> str:
        return canonical_json({
            "spec": self.registry.convert(spec),
            "subprocess_specs": {name: self.registry.convert(s) for name, s in subprocess_specs.items()},
        })

    def load_spec(self, text: str):
        dct = json.loads(text)
        spec = self.registry.restore(dct["spec"])
        subprocess_specs = {name: self.registry.restore(s) for name, s in dct["subprocess_specs"].items()}
        return spec, subprocess_specs

    # --- workflows -------------------------------------------------------
    def dump(self, workflow) -> str:
        self.registry._encoder_mode = True
        try:
            dct = self.registry.convert(workflow)
            dct[self.spiff.VERSION_KEY] = self.version
            return json.dumps(dct, cls=self.spiff._encoder_cls, separators=(",", ":"))
        finally:
            self.registry._encoder_mode = False

    def load(self, text: str, spec, subprocess_specs):
        dct = json.loads(text)
        version = dct.pop(self.spiff.VERSION_KEY, None)
        if version != self.version:
            raise ValueError(f"case state written by serializer {version}, this is {self.version}")
        dct["spec"] = spec
        dct["subprocess_specs"] = subprocess_specs
        return self.registry.restore(dct)

    # --- events ----------------------------------------------------------
    def dump_event(self, event) -> str:
        self.registry._encoder_mode = True
        try:
            return json.dumps(self.registry.convert(event), cls=self.spiff._encoder_cls)
        finally:
            self.registry._encoder_mode = False

    def load_event(self, text: str):
        return self.registry.restore(json.loads(text))
