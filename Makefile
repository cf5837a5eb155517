# after_sales_service: the repository root is the Odoo addon of that name.
# `make demo` serves a demo database, `make test` runs the whole suite on a throwaway database,
# `make test-core` runs Odoo's own suites of the extended modules with and without the addon,
# `make lint` runs ruff and pylint-odoo. The scripts behind them live in .ci/.

ADDON      := after_sales_service
BUILD      := $(CURDIR)/.build
# The addons folder holding a link named after_sales_service to this root. It lives outside the
# repository so that nothing walking the addon (Odoo's i18n export, linters) meets the link again.
ADDONS_DIR := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/after_sales_service/addons-$(shell printf %s "$(CURDIR)" | sha1sum | cut -c1-8)

export ADDON BUILD ADDONS_DIR

.PHONY: all demo test test-core lint link bench pot clean

all: test

link:
	@mkdir -p $(ADDONS_DIR)
	@ln -sfn $(CURDIR) $(ADDONS_DIR)/$(ADDON)

demo: link
	@bash .ci/demo

test: link
	@bash .ci/test

test-core: link
	@bash .ci/test-core

lint:
	@bash .ci/lint

bench: link
	@bash .ci/bench

pot: link
	@bash .ci/pot

clean:
	rm -rf $(BUILD)
