"""Messages the engine gives people: an id, its arguments and an English text.

A `Message` is the English text itself (a `str`), so logs, the CLI and older callers read it as before;
it also carries `id` and `args`, so a user interface can show it in its own language: the web layer
keeps a translated msgid for every id in `TEXTS` (web/engine_messages.py, checked by
tests/test_translations.py). The texts use `%(name)s` placeholders, as gettext does. The engine itself
knows no Flask and no Babel.
"""
from __future__ import annotations

from typing import Any

TEXTS: dict[str, str] = {
    # deployment problems (engine/specs.py)
    "no_files": "no files were given",
    "too_many_files": "at most %(max)s files at a time",
    "duplicate_file_name": "two files have this name",
    "wrong_file_type": "is neither a .bpmn nor a .dmn file",
    "not_utf8": "is not UTF-8 text (byte 0x%(byte)s)",
    "empty_file": "the file is empty",
    "malformed_xml": "malformed XML: %(detail)s",
    "not_dmn": "is not a DMN file (expected a DMN 1.1, 1.2 or 1.3 definitions element)",
    "not_bpmn": "is not a BPMN 2.0 file (expected a bpmn:definitions element)",
    "not_valid_bpmn": "not valid BPMN 2.0: %(detail)s",
    "not_valid_dmn": "not valid DMN: %(detail)s",
    "no_executable_process_in_file": "contains no executable process (isExecutable=\"true\")",
    "no_executable_process": "the files contain no executable process",
    "dmn_without_bpmn": "a decision table is deployed with the process that uses it: add the .bpmn file",
    "parser_error": "%(detail)s",
    "unknown_called_process": "calls the process '%(process)s', which is neither in the uploaded files nor deployed",
    "lane_without_name": "the lane has no name, so no role can be given to it",
    "lane_without_role": "no role acts in the lane '%(lane)s'",
    "task_in_lane_without_role": "the task is in the lane '%(lane)s', so no role can take it",
    "task_without_lane": "the task is in no lane, so no role can take it",
    "unknown_form": "the form '%(form)s' does not exist",
    "camunda_form_key": "camunda:formKey '%(form)s' is not read here: name the form in a spiffworkflow "
                        "property formKey",
    "json_schema_form": "the JSON-schema form '%(form)s' is not read here: name the form in a spiffworkflow "
                        "property formKey",
    "script_format": "script format '%(format)s' is not supported: scripts are Python",
    "external_script": "external script resources are not supported",
    "camunda_service": "camunda:%(attribute)s is not supported: service tasks call a "
                       "spiffworkflow:serviceTaskOperator",
    "unknown_service": "the service operation '%(operation)s' does not exist",
    "condition_language": "condition language '%(language)s' is not supported: conditions are Python",
    "bare_timer": "timer expression %(text)s is Python here: write it in quotes, \"%(text)s\", or name a variable",
    "expression_refused": "%(kind)s refused: %(reason)s",
    # what kind of expression was refused (an argument of expression_refused)
    "kind_script": "script",
    "kind_message_payload": "message payload",
    "kind_multi_instance": "multi-instance expression",
    "kind_assignee": "assignee expression",
    "kind_parameter": "parameter %(name)s",
    "kind_timer": "timer expression",
    "kind_condition": "condition",
    "kind_dmn_expression": "DMN expression",
    "kind_dmn_input": "DMN input entry",
    # migration refusals (engine/migration.py)
    "active_task_removed": "the active task '%(task)s' does not exist in the new version",
    "active_task_removed_in": "the active task '%(task)s' (in '%(caller)s') does not exist in the new version",
    "completed_step_removed": "the completed step '%(task)s' does not exist in the new version, so the case's "
                              "history would be lost",
    "completed_step_removed_in": "the completed step '%(task)s' (in '%(caller)s') does not exist in the new "
                                 "version, so the case's history would be lost",
    "other_process": "the case runs the process '%(process)s', not '%(target)s'",
    "called_process_missing": "the process '%(process)s' called by '%(caller)s' is not part of the new version",
    "step_without_counterpart": "the step '%(task)s' has no counterpart in the new version",
    "state_does_not_load": "the case's state does not load: %(detail)s",
    "new_version_fails": "the new version fails at '%(element)s': %(detail)s",
    "migrated_does_not_load": "the migrated case would not load on the new version: %(detail)s",
}


class Message(str):
    """An engine message: the English text, with its `id` and `args` for translation."""

    id: str
    args: dict[str, Any]

    def __new__(cls, message_id: str, **args: Any) -> "Message":
        text = TEXTS[message_id] % {name: str(value) for name, value in args.items()}
        self = super().__new__(cls, text)
        self.id = message_id
        self.args = args
        return self

    def __reduce__(self):
        return (_rebuild, (self.id, self.args))


def _rebuild(message_id: str, args: dict[str, Any]) -> Message:
    return Message(message_id, **args)


def message(message_id: str, **args: Any) -> Message:
    return Message(message_id, **args)
