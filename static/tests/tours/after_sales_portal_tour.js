import { registry } from "@web/core/registry";

// The dealer confirms its write-off notice on the portal (data from test_portal.py).
registry.category("web_tour.tours").add("after_sales_portal_confirm_writeoff", {
    url: "/my/after-sales/settlements",
    steps: () => [
        {
            content: "the notice waits for the dealer's confirmation",
            trigger: "tr:has(.o_as_to_confirm) a.o_as_settlement_link",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "the claims of the notice are listed",
            trigger: ".o_portal_after_sales_settlement td:contains('CLAIM-PORTAL-1')",
        },
        {
            content: "confirm the write-off notice",
            trigger: "button.o_as_confirm",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "the confirmation is acknowledged",
            trigger: ".o_portal_after_sales_settlement .alert-success",
        },
        {
            content: "no confirm button any more",
            trigger: ".o_portal_after_sales_settlement:not(:has(button.o_as_confirm))",
        },
    ],
});
