"""In a real browser: every file in bpmn/ imports into bpmn-js (the vendored viewer, as bpmn.io and Camunda
Modeler open it) without a warning, before and after a modeler's save (bpmn-moddle's toXML)."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
VIEWER = ROOT / "web/static/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js"
FILES = sorted((ROOT / "bpmn").glob("*.bpmn"))


def import_warnings(page, xml: str) -> list[str]:
    return page.evaluate(
        """async (xml) => {
            const viewer = new BpmnJS({container: '#canvas'});
            try {
                const {warnings} = await viewer.importXML(xml);
                return warnings.map(w => w.message);
            } catch (err) {
                return ['import failed: ' + err.message, ...(err.warnings || []).map(w => w.message)];
            } finally {
                viewer.destroy();
            }
        }""",
        xml,
    )


def test_every_process_file_imports_into_bpmn_js_without_warnings(page, tmp_path):
    assert VIEWER.is_file(), f"{VIEWER} is missing: run `make vendor` (npm ci) first"
    resaved = tmp_path / "resaved"
    result = subprocess.run([shutil.which("node"), str(ROOT / "tests/tools/moddle_roundtrip.mjs"), str(resaved),
                             *map(str, FILES)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    page.set_content('<!DOCTYPE html><html><body><div id="canvas" style="width:800px;height:600px"></div>'
                     '</body></html>')
    page.add_script_tag(path=str(VIEWER))
    found = {}
    for path in FILES:
        for label, text in (("as shipped", path.read_text("utf-8")),
                            ("re-saved", (resaved / path.name).read_text("utf-8"))):
            warnings = import_warnings(page, text)
            if warnings:
                found[f"{path.name} ({label})"] = warnings
    assert not found, json.dumps(found, indent=2, ensure_ascii=False)


def test_bpmn_js_reports_an_unresolved_loop_reference(page):
    """The check itself works: a multi-instance loop naming no element is an import warning in bpmn-js."""
    page.set_content('<!DOCTYPE html><html><body><div id="canvas"></div></body></html>')
    page.add_script_tag(path=str(VIEWER))
    text = (ROOT / "bpmn/network_round.bpmn").read_text("utf-8")
    text = text.replace('<bpmn:property id="meetings" name="meetings" />', "")
    assert any("unresolved reference <meetings>" in w for w in import_warnings(page, text))
