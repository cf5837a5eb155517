from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common import TEST_DAY


@tagged("post_install", "-at_install")
@TEST_DAY
class TestReturnsPartsRpcAccess(HttpCase):
    """Issue 10 through JSON-RPC (``/web/dataset/call_kw``), as each group: the state of
    returns, requisitions and old parts, their approval records and a requisition's split are
    refused to every user, whatever context keys the client sends; approvals only through the
    actions of their groups."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        groups = "after_sales_service.after_sales_service_group_"
        cls.users = {
            "desk": new_test_user(cls.env, "rpc_desk", groups=groups + "user"),
            "appraiser": new_test_user(cls.env, "rpc_appraiser", groups=groups + "appraiser"),
            "manager": new_test_user(cls.env, "rpc_manager", groups=groups + "manager"),
        }
        cls.dealer = cls.env["res.partner"].create({"name": "RPC Dealer", "is_company": True})
        contract = cls.env["after_sales.contract"].create(
            {
                "dealer_id": cls.dealer.id,
                "date_start": "2026-01-01",
                "date_end": "2099-12-31",
                "allowance_use": "budget",
            }
        )
        contract.action_start()
        part = cls.env["product.product"].create({"name": "RPC part", "list_price": 5.0})
        cls.ret = cls.env["after_sales.return"].create(
            {
                "dealer_id": cls.dealer.id,
                "return_type": "in_warranty",
                "line_ids": [
                    Command.create({"product_id": part.id, "quantity": 1, "reason": "Broken"})
                ],
            }
        )
        cls.request = cls.env["after_sales.parts.request"].create(
            {
                "dealer_id": cls.dealer.id,
                "line_ids": [Command.create({"product_id": part.id, "quantity": 1})],
            }
        )

    def _call_kw(self, login, model, method, args, kwargs=None):
        self.authenticate(login, login)
        response = self.opener.post(
            f"{self.base_url()}/web/dataset/call_kw",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "params": {
                    "model": model,
                    "method": method,
                    "args": args,
                    "kwargs": kwargs or {},
                },
            },
            timeout=30,
        )
        return response.json()

    def _assert_refused(self, reply, message):
        self.assertIn("error", reply, reply)
        self.assertIn(message, reply["error"]["data"]["message"])

    def test_state_writes_are_refused_for_every_group(self):
        context = {"after_sales_fund_internal": True, "after_sales_settlement": True}
        rows = [
            ("after_sales.return", self.ret, {"state": "approved"}, "change only through"),
            ("after_sales.return", self.ret, {"approver_id": 2}, "change only through"),
            (
                "after_sales.parts.request",
                self.request,
                {"state": "approved"},
                "change only through its actions",
            ),
            (
                "after_sales.parts.request.line",
                self.request.line_ids,
                {"qty_free": 1.0},
                "set by the approval only",
            ),
        ]
        for role, user in self.users.items():
            for model, record, vals, message in rows:
                with self.subTest(role=role, model=model, vals=vals):
                    reply = self._call_kw(
                        user.login, model, "write", [record.ids, vals], {"context": context}
                    )
                    if "error" in reply and "not allowed" in reply["error"]["data"]["message"]:
                        continue  # no write access at all for this group: refused too
                    self._assert_refused(reply, message)
        self.assertEqual(self.ret.state, "draft")
        self.assertEqual(self.request.state, "draft")

    def test_approvals_only_through_their_groups(self):
        reply = self._call_kw("rpc_desk", "after_sales.return", "action_submit", [self.ret.ids])
        self.assertNotIn("error", reply, reply)
        reply = self._call_kw("rpc_desk", "after_sales.return", "action_approve", [self.ret.ids])
        self._assert_refused(reply, "Only an after-sales manager")
        reply = self._call_kw(
            "rpc_desk",
            "after_sales.return",
            "write",
            [self.ret.ids, {"return_type": "doa"}],
        )
        self._assert_refused(reply, "only an after-sales manager changes its type")
        reply = self._call_kw(
            "rpc_desk",
            "after_sales.return",
            "action_confirm_batch_appraisal",
            [self.ret.ids, "Looks like a batch"],
        )
        self._assert_refused(reply, "Only the technical department")
        reply = self._call_kw(
            "rpc_appraiser",
            "after_sales.parts.request",
            "write",
            [self.request.ids, {"state": "done"}],
            {"context": {"after_sales_fund_internal": True}},
        )
        self._assert_refused(reply, "change only through its actions")
        reply = self._call_kw("rpc_manager", "after_sales.return", "action_approve", [self.ret.ids])
        self.assertNotIn("error", reply, reply)
        self.assertEqual(self.ret.state, "approved")
