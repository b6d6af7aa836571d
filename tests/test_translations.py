"""Every user-facing message has a Danish translation (Danish is the default UI language)."""
from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "lazy_gettext": None}


def _extracted_ids() -> set[str]:
    with open(ROOT / "babel.cfg") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    ids = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords=KEYWORDS):
        ids.add(message[0] if isinstance(message, tuple) else message)
    return ids


def test_danish_catalogue_is_complete():
    catalogue = read_po(open(ROOT / "web/translations/da/LC_MESSAGES/messages.po", "rb"))
    translated = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalogue
                  if m.id and m.string and not m.fuzzy
                  and (all(m.string) if isinstance(m.string, tuple) else True)}
    missing = sorted(_extracted_ids() - translated)
    assert not missing, "untranslated (see README, Translations): " + "; ".join(missing)


def test_every_engine_message_has_a_msgid_and_a_danish_translation():
    """Deployment problems and migration refusals (engine/messages.py) are shown in Danish too."""
    from engine.messages import TEXTS
    from web.engine_messages import MSGIDS

    assert MSGIDS == TEXTS  # the web layer's msgid for each id is the engine's English text
    catalogue = read_po(open(ROOT / "web/translations/da/LC_MESSAGES/messages.po", "rb"))
    danish = {m.id: m.string for m in catalogue if m.id and m.string and not m.fuzzy}
    missing = sorted(key for key, text in TEXTS.items() if text not in danish)
    assert not missing, "engine messages without a Danish translation: " + ", ".join(missing)
    for key, text in TEXTS.items():  # the same placeholders in both languages
        assert sorted(re.findall(r"%\((\w+)\)s", danish[text])) == sorted(re.findall(r"%\((\w+)\)s", text)), key


def test_an_engine_message_is_shown_in_danish_and_in_english(app):
    from engine.errors import Problem
    from engine.messages import Message
    from web.engine_messages import describe, translate

    refused = Message("expression_refused", kind=Message("kind_parameter", name="x"), reason="import")
    problem = Problem.of("a.bpmn", "call", 7, "unknown_called_process", process="hearing")
    assert problem.message_id == "unknown_called_process" and problem.args == {"process": "hearing"}
    assert str(problem) == "a.bpmn:7: call: calls the process 'hearing', which is neither in the uploaded " \
                           "files nor deployed"
    assert Problem("a.bpmn", None, None, "", message_id="no_files").message == "no files were given"
    with app.test_request_context():
        from flask_babel import force_locale

        with force_locale("da"):
            assert translate(refused) == "parameteren x afvist: import"
            assert describe(problem) == "a.bpmn:7: call: kalder processen 'hearing', som hverken er blandt de " \
                                        "uploadede filer eller taget i brug"
        with force_locale("en"):
            assert translate(refused) == "parameter x refused: import"


def test_the_deploy_page_and_api_show_the_problems_in_danish(app, client, people):
    """Issue 20: a refused deployment names its problems in the UI's language (Danish by default)."""
    import io

    call_parent = (ROOT / "tests/bpmn/call_parent.bpmn").read_bytes()
    people.login(client, "admin")
    page = client.post("/processer/ny", data={"files": [(io.BytesIO(call_parent), "call_parent.bpmn")]},
                       content_type="multipart/form-data")
    assert page.status_code == 422
    text = page.get_data(as_text=True)
    assert "kalder processen &#39;call_child&#39;, som hverken er blandt de uploadede filer eller taget i brug" in text
    client.post("/language", data={"lang": "en", "next": "/"})
    english = client.post("/processer/ny", data={"files": [(io.BytesIO(call_parent), "call_parent.bpmn")]},
                          content_type="multipart/form-data").get_data(as_text=True)
    assert "calls the process &#39;call_child&#39;, which is neither in the uploaded files nor deployed" in english
