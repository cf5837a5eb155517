from . import models, tools, wizard
