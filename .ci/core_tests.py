"""Odoo's server, but every selected test runs once the whole registry is loaded.

Called by .ci/test-core as ``python3 .ci/core_tests.py <odoo server options>``. Odoo runs a
module's ``at_install`` tests while it loads that module, before the modules that extend it (this
addon among them) are loaded: they would never meet the addon's fields, views and overrides, which
are exactly what users meet. This wrapper defers them: nothing runs during loading, and the
post-install phase runs the selected ``at_install`` tests first, then the ``post_install`` ones,
all on the complete registry. The run with the addon and the run without it use the same wrapper,
so a test that only fails in this position fails in both and is not blamed on the addon.
"""

from odoo.tests import loader

_make_suite = loader.make_suite


def make_suite(module_names, position="at_install"):
    if position == "at_install":
        return loader.OdooSuite([])
    return loader.OdooSuite(
        [*_make_suite(module_names, "at_install"), *_make_suite(module_names, "post_install")]
    )


loader.make_suite = make_suite

from odoo.cli.command import main  # noqa: E402

main()
