"""Flask extensions, created unbound; `create_app` initialises them."""
from flask_babel import Babel
from flask_login import LoginManager
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from engine.models import Base

# Objects stay readable after commit: a response rendered after the commit must not
# open another transaction just to reload what it already has.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


class _Api(Api):
    # Every error answer is documented per operation (web/api/common.py `errors`), not as a catch-all default.
    DEFAULT_ERROR_RESPONSE_NAME = None


openapi = _Api()

LANGUAGES = ("da", "en")


def byplan_service():
    """The services `create_app` built (workflows.runtime.build) for this app."""
    from flask import current_app

    return current_app.extensions["byplan"]
