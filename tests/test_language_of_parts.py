"""WCAG 3.1.2 language of parts: the names from bpmn/ are Danish, so an English page marks them lang="da"."""
from __future__ import annotations

import lxml.html
import pytest

from steps.proposal_driver import ProposalDriver


@pytest.fixture
def driver(app, people):
    return ProposalDriver(app, people)


def main(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.data[:500]
    return lxml.html.fromstring(response.data.decode()).xpath("//main")[0]


def danish_parts(element) -> list[str]:
    return [" ".join(e.text_content().split()) for e in element.xpath(".//*[@lang='da']")]


def test_bpmn_names_are_marked_danish_on_english_pages(client, people, driver):
    case_id = driver.start("lead", "Genbrug før køb")
    people.login(client, "lead")

    # Danish pages need no marks: the whole page is Danish
    assert danish_parts(main(client, "/opgaver")) == []
    assert danish_parts(main(client, f"/sager/{case_id}")) == []

    client.post("/language", data={"lang": "en", "next": "/"})
    inbox = main(client, "/opgaver")
    (link,) = inbox.xpath(".//table//a[contains(@href, '/opgaver/')]")
    assert danish_parts(link) == ["Udarbejd og indsend forslag"]  # the task's name in proposal.bpmn

    case = main(client, f"/sager/{case_id}")
    parts = danish_parts(case)
    assert "Arkitekturforslag" in parts  # the process's name
    assert parts.count("Udarbejd og indsend forslag") >= 2  # current tasks and the state list
    assert danish_parts(case.xpath(".//h2[@id='h-diagram']")[0]) == ["Arkitekturforslag"]
    task_id = link.get("href").rsplit("/", 1)[1]
    assert danish_parts(main(client, f"/opgaver/{task_id}").xpath(".//h1")[0]) == ["Udarbejd og indsend forslag"]

    people.login(client, "admin")
    client.post("/language", data={"lang": "en", "next": "/"})
    assert "Arkitekturforslag" in danish_parts(main(client, "/processer"))
