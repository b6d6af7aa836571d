// Reads every given .bpmn / .dmn file with bpmn-moddle / dmn-moddle (what bpmn-js, dmn-js and Camunda
// Modeler use to open and save files), writes it back with toXML into OUT_DIR (as a modeler does on
// save) and prints, as JSON, the import warnings per file plus the warnings bpmn-js's importer adds for
// the diagram interchange (a DI element naming no model element, or two DI elements for one element).
//
//   node tests/tools/moddle_roundtrip.mjs OUT_DIR FILE...
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

import { BpmnModdle } from 'bpmn-moddle';
import { DmnModdle } from 'dmn-moddle';

function diWarnings(definitions) {
  // The same checks as bpmn-js's BpmnTreeWalker.registerDi, which reports them as import warnings.
  const warnings = [];
  const seen = new Set();
  for (const diagram of definitions.diagrams || []) {
    const plane = diagram.plane;
    const elements = [plane, ...((plane && plane.planeElement) || [])];
    for (const di of elements) {
      if (!di) continue;
      const element = di.bpmnElement;
      if (!element) {
        warnings.push(`no bpmnElement referenced in ${di.$type} #${di.id}`);
      } else if (seen.has(element.id)) {
        warnings.push(`multiple DI elements defined for ${element.$type} #${element.id}`);
      } else {
        seen.add(element.id);
      }
    }
  }
  return warnings;
}

async function roundTrip(file, outDir) {
  const xml = readFileSync(file, 'utf8');
  const isDmn = file.endsWith('.dmn');
  const moddle = isDmn ? new DmnModdle() : new BpmnModdle();
  const { rootElement, warnings } = await moddle.fromXML(xml, isDmn ? 'dmn:Definitions' : 'bpmn:Definitions');
  const messages = warnings.map((warning) => warning.message);
  if (!isDmn) messages.push(...diWarnings(rootElement));
  const { xml: saved } = await moddle.toXML(rootElement, { format: true });
  writeFileSync(join(outDir, basename(file)), saved, 'utf8');
  return messages;
}

const [outDir, ...files] = process.argv.slice(2);
if (!outDir || files.length === 0) {
  console.error('usage: node moddle_roundtrip.mjs OUT_DIR FILE...');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const report = {};
for (const file of files) {
  report[basename(file)] = await roundTrip(file, outDir);
}
console.log(JSON.stringify(report, null, 2));
