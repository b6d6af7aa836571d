"""Message markers for user-facing text defined outside the web layer.

Strings are English message ids; the web layer translates them (Danish is
the default locale). ``N_`` only marks a string for extraction by pybabel.
"""


def N_(text: str) -> str:
    return text
