"""Flask extensions, created unbound; `create_app` initialises them."""
from flask_babel import Babel
from flask_login import LoginManager
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from engine.models import Base

db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
openapi = Api()
