# after_sales_service: the repository root is the Odoo addon of that name.
# `make demo` serves a demo database, `make test` runs the whole suite on a throwaway database,
# `make lint` runs ruff and pylint-odoo. The scripts behind them live in .ci/.

ADDON      := after_sales_service
BUILD      := $(CURDIR)/.build
ADDONS_DIR := $(BUILD)/addons

export ADDON BUILD ADDONS_DIR

.PHONY: all demo test lint link bench pot clean

all: test

link:
	@mkdir -p $(ADDONS_DIR)
	@ln -sfn $(CURDIR) $(ADDONS_DIR)/$(ADDON)

demo: link
	@bash .ci/demo

test: link
	@bash .ci/test

lint:
	@bash .ci/lint

bench: link
	@bash .ci/bench

pot: link
	@bash .ci/pot

clean:
	rm -rf $(BUILD)
