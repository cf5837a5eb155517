from . import portal
from . import portal_cards
from . import portal_claims
from . import portal_returns
from . import portal_parts
