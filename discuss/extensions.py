"""The extension objects, created unbound; ``create_app`` binds them with ``init_app``."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from discuss.models.base import Base

db = SQLAlchemy(model_class=Base)
limiter = Limiter(key_func=get_remote_address)
api = Api()
login_manager = LoginManager()
csrf = CSRFProtect()
