"""Engine messages (engine/messages.py) as translatable msgids: deployment problems and migration refusals.

The engine gives a `Message` (its English text, an id and arguments); `translate` shows it in the user's
language. Each msgid here is the English text the engine has for the id (tests/test_translations.py checks
that they agree and that each has a Danish translation).
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext

from engine.messages import Message
from workflows.i18n import N_

MSGIDS: dict[str, str] = {
    "no_files": N_("no files were given"),
    "too_many_files": N_("at most %(max)s files at a time"),
    "duplicate_file_name": N_("two files have this name"),
    "wrong_file_type": N_("is neither a .bpmn nor a .dmn file"),
    "not_utf8": N_("is not UTF-8 text (byte 0x%(byte)s)"),
    "empty_file": N_("the file is empty"),
    "malformed_xml": N_("malformed XML: %(detail)s"),
    "not_dmn": N_("is not a DMN file (expected a DMN 1.1, 1.2 or 1.3 definitions element)"),
    "not_bpmn": N_("is not a BPMN 2.0 file (expected a bpmn:definitions element)"),
    "not_valid_bpmn": N_("not valid BPMN 2.0: %(detail)s"),
    "not_valid_dmn": N_("not valid DMN: %(detail)s"),
    "no_executable_process_in_file": N_('contains no executable process (isExecutable="true")'),
    "no_executable_process": N_("the files contain no executable process"),
    "dmn_without_bpmn": N_("a decision table is deployed with the process that uses it: add the .bpmn file"),
    "parser_error": N_("%(detail)s"),
    "unknown_called_process": N_(
        "calls the process '%(process)s', which is neither in the uploaded files nor deployed"),
    "lane_without_name": N_("the lane has no name, so no role can be given to it"),
    "lane_without_role": N_("no role acts in the lane '%(lane)s'"),
    "task_in_lane_without_role": N_("the task is in the lane '%(lane)s', so no role can take it"),
    "task_without_lane": N_("the task is in no lane, so no role can take it"),
    "unknown_form": N_("the form '%(form)s' does not exist"),
    "camunda_form_key": N_(
        "camunda:formKey '%(form)s' is not read here: name the form in a spiffworkflow property formKey"),
    "json_schema_form": N_(
        "the JSON-schema form '%(form)s' is not read here: name the form in a spiffworkflow property formKey"),
    "script_format": N_("script format '%(format)s' is not supported: scripts are Python"),
    "external_script": N_("external script resources are not supported"),
    "camunda_service": N_(
        "camunda:%(attribute)s is not supported: service tasks call a spiffworkflow:serviceTaskOperator"),
    "unknown_service": N_("the service operation '%(operation)s' does not exist"),
    "condition_language": N_("condition language '%(language)s' is not supported: conditions are Python"),
    "bare_timer": N_('timer expression %(text)s is Python here: write it in quotes, "%(text)s", or name a variable'),
    "expression_refused": N_("%(kind)s refused: %(reason)s"),
    "kind_script": N_("script"),
    "kind_message_payload": N_("message payload"),
    "kind_multi_instance": N_("multi-instance expression"),
    "kind_assignee": N_("assignee expression"),
    "kind_parameter": N_("parameter %(name)s"),
    "kind_timer": N_("timer expression"),
    "kind_condition": N_("condition"),
    "kind_dmn_expression": N_("DMN expression"),
    "kind_dmn_input": N_("DMN input entry"),
    "active_task_removed": N_("the active task '%(task)s' does not exist in the new version"),
    "active_task_removed_in": N_("the active task '%(task)s' (in '%(caller)s') does not exist in the new version"),
    "completed_step_removed": N_(
        "the completed step '%(task)s' does not exist in the new version, so the case's history would be lost"),
    "completed_step_removed_in": N_(
        "the completed step '%(task)s' (in '%(caller)s') does not exist in the new version, so the case's "
        "history would be lost"),
    "other_process": N_("the case runs the process '%(process)s', not '%(target)s'"),
    "called_process_missing": N_("the process '%(process)s' called by '%(caller)s' is not part of the new version"),
    "step_without_counterpart": N_("the step '%(task)s' has no counterpart in the new version"),
    "state_does_not_load": N_("the case's state does not load: %(detail)s"),
    "new_version_fails": N_("the new version fails at '%(element)s': %(detail)s"),
    "migrated_does_not_load": N_("the migrated case would not load on the new version: %(detail)s"),
}


def translate(text: Any) -> str:
    """An engine message in the current language; other text through the catalogue (a msgid marked
    elsewhere, e.g. with N_) or as it is."""
    if isinstance(text, Message) and text.id in MSGIDS:
        return gettext(MSGIDS[text.id], **{name: translate(value) for name, value in text.args.items()})
    if not text:
        return ""
    return gettext(str(text)) if isinstance(text, str) else str(text)


def describe(problem) -> str:
    """A deployment problem as `file:line: element: message`, the message translated."""
    where = f"{problem.file}:{problem.line}" if problem.line else problem.file
    message = translate(problem.message)
    return f"{where}: {problem.element}: {message}" if problem.element else f"{where}: {message}"
