from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.after_sales_service.models.after_sales_computed_guard_mixin import (
    is_server_computed,
)

from .common import AfterSalesCase
from .common_service import ServiceCase

# Models no user writes at all (the append-only ledger, the run's own lines): refused whole.
WRITTEN_BY_THE_SERVER_ONLY = ("after_sales.fund.entry", "after_sales.settlement.batch.line")


@tagged("post_install", "-at_install")
class TestServerComputedFields(AfterSalesCase):
    """Every figure the server computes, in every after-sales model, is refused to every
    group's ``create`` and ``write`` (what a JSON-RPC client can send), and found from the
    field definitions: a computed figure added later is guarded without a list to update."""

    def _guarded(self):
        guarded = {}
        for name in self.env.registry:
            model = self.env[name]
            if not name.startswith("after_sales.") or model._abstract or model._transient:
                continue
            if not model._auto:  # reports read from SQL views are never written
                continue
            fnames = [
                fname
                for fname, field in model._fields.items()
                if field.store and is_server_computed(field)
            ]
            if fnames:
                guarded[name] = fnames
        return guarded

    def test_every_computed_figure_is_refused_to_every_group(self):
        guarded = self._guarded()
        # the figures whose forgery matters most are among those found
        for model, fname in [
            ("after_sales.settlement", "dealer_id"),
            ("after_sales.settlement", "date_to"),
            ("after_sales.settlement", "carried_negative_amount"),
            ("after_sales.parts.request", "fund_amount"),
            ("after_sales.parts.request.line", "sale_amount"),
            ("after_sales.warranty.card", "warranty_end"),
            ("after_sales.warranty.card", "is_late"),
            ("after_sales.service.plan", "visits_left"),
            ("after_sales.monthly.submission", "state"),
            ("after_sales.old.part", "dealer_id"),
            ("after_sales.return", "commercial_dealer_id"),
            ("after_sales.claim", "is_covered"),
        ]:
            self.assertIn(fname, guarded.get(model, []), model)
        self.assertGreater(sum(len(f) for f in guarded.values()), 60)
        for user in (self.user_desk, self.user_appraiser, self.user_manager):
            for model, fnames in guarded.items():
                records = self.env[model].with_user(user)
                for fname in fnames:
                    with self.subTest(user=user.login, model=model, field=fname):
                        if model in WRITTEN_BY_THE_SERVER_ONLY:
                            with self.assertRaises(UserError):  # AccessError is one
                                records.browse().write({fname: False})
                            continue
                        with self.assertRaises(AccessError) as caught:
                            records.browse().write({fname: False})
                        label = records._fields[fname]._description_string(records.env)
                        self.assertIn(label, str(caught.exception))
                        with self.assertRaises(AccessError):
                            records.create({fname: False})


@tagged("post_install", "-at_install")
class TestForgedCreations(ServiceCase):
    """A new record starts in its initial status with the server's figures, whatever a
    JSON-RPC client puts in the values or in the context's ``default_`` keys."""

    def test_context_defaults_decide_nothing(self):
        card = self._card()
        forged = {
            "default_state": "approved",
            "default_reimbursable_amount": 9999.0,
            "default_is_covered": False,
            "default_approver_id": self.user_appraiser.id,
            "default_date_approved": "2026-01-01",
            "default_symptom": "Kept: an ordinary default",
        }
        claim = (
            self.env["after_sales.claim"]
            .with_user(self.user_desk)
            .with_context(**forged)
            .create({"card_id": card.id, "dealer_id": card.dealer_id.id})
        )
        twin = (
            self.env["after_sales.claim"]
            .with_user(self.user_desk)
            .create({"card_id": self._card().id, "dealer_id": card.dealer_id.id})
        )
        self.assertRecordValues(
            claim,
            [
                {
                    "state": "draft",
                    "is_covered": twin.is_covered,
                    "reimbursable_amount": twin.reimbursable_amount,
                    "approver_id": False,
                    "date_approved": False,
                    "symptom": "Kept: an ordinary default",
                }
            ],
        )
        new_card = (
            self.env["after_sales.warranty.card"]
            .with_user(self.user_desk)
            .with_context(default_state="registered", default_warranty_end="2099-12-31")
            .create(
                {
                    "dealer_id": self.dealer.id,
                    "product_id": self.heater.id,
                    "lot_id": self._lot().id,
                    "sale_date": self.today,
                }
            )
        )
        self.assertEqual(new_card.state, "draft")
        self.assertNotEqual(str(new_card.warranty_end), "2099-12-31")

    def test_a_new_record_starts_in_its_initial_status(self):
        for model, vals in [
            ("after_sales.return", {"dealer_id": self.dealer.id, "state": "approved"}),
            ("after_sales.parts.request", {"dealer_id": self.dealer.id, "state": "approved"}),
            (
                "after_sales.parts.request",
                {"dealer_id": self.dealer.id, "date_approved": "2026-01-01"},
            ),
        ]:
            with self.subTest(model=model, vals=vals), self.assertRaises(AccessError):
                self.env[model].with_user(self.user_manager).create(vals)
        self.assertFalse(
            self.env["after_sales.return"].search([("dealer_id", "=", self.dealer.id)])
        )
