import { registry } from "@web/core/registry";

// Dealer portal tours (data from tests/common_portal.py). Selectors only: the portal runs in the
// dealer's language, so no step relies on English text.

// The server runs these tours frozen on 15 June 2026 (test_portal_tours.py, freeze_time); the
// browser keeps its own clock, so the dates typed are counted back from that fixed day, never
// from the browser's today.
const TODAY = Date.UTC(2026, 5, 15);

function isoDate(daysAgo) {
    const day = new Date(TODAY - daysAgo * 86400000);
    return day.toISOString().slice(0, 10);
}

function localDateTime(daysAgo, hour) {
    return `${isoDate(daysAgo)}T${String(hour).padStart(2, "0")}:00`;
}

function setFile(selector, name, content, type) {
    const input = document.querySelector(selector);
    const transfer = new DataTransfer();
    transfer.items.add(new File([content], name, { type }));
    input.files = transfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
}

function setValue(selector, value) {
    return {
        trigger: selector,
        run() {
            const input = document.querySelector(selector);
            input.value = value;
            input.dispatchEvent(new Event("input", { bubbles: true }));
            input.dispatchEvent(new Event("change", { bubbles: true }));
        },
    };
}

// A 1x1 PNG.
const PNG = Uint8Array.from(
    atob(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    ),
    (c) => c.charCodeAt(0)
);

registry.category("web_tour.tours").add("after_sales_portal_register_card", {
    url: "/my",
    steps: () => [
        {
            content: "open the warranty cards",
            trigger: "a[href='/my/after-sales/cards']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "register a new card",
            trigger: "a.o_as_new_card",
            run: "click",
            expectUnloadPage: true,
        },
        { trigger: "select[name=product_id]", run: "selectByLabel Portal Heater" },
        { trigger: "input[name=serial]", run: "edit SN-TOUR-1" },
        { trigger: "input[name=customer_name]", run: "edit Tour Customer" },
        { trigger: "input[name=customer_phone]", run: "edit 13912345678" },
        { trigger: "input[name=customer_address]", run: "edit 8 Tour Road" },
        setValue("input[name=sale_date]", isoDate(3)),
        { trigger: "input[name=invoice_number]", run: "edit INV-TOUR-1" },
        {
            content: "register",
            trigger: "button.o_as_register",
            run: "click",
            expectUnloadPage: true,
        },
        { content: "registered", trigger: ".o_as_message" },
        { trigger: ".o_as_card_serial:contains(SN-TOUR-1)" },
        { trigger: ".o_as_warranty_end:not(:empty)" },
    ],
});

registry.category("web_tour.tours").add("after_sales_portal_import_cards", {
    url: "/my/after-sales/cards",
    steps: () => [
        {
            content: "upload a spreadsheet",
            trigger: "a.o_as_import_cards",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "choose a file with one bad row (a date that is not one)",
            trigger: "input[name=upload]",
            run() {
                const csv =
                    "Product Code,Serial Number,Sale Date,Customer Name\n" +
                    `PH-100,SN-TOUR-IMP-1,${isoDate(5)},Import One\n` +
                    "PH-100,SN-TOUR-IMP-2,not-a-date,Import Two\n" +
                    `PH-100,SN-TOUR-IMP-3,${isoDate(6)},Import Three\n`;
                setFile("input[name=upload]", "cards.csv", csv, "text/csv");
            },
        },
        { trigger: "input.o_as_mode_good_rows", run: "click" },
        {
            trigger: "button.o_as_upload",
            run: "click",
            expectUnloadPage: true,
        },
        { content: "one bad row reported", trigger: ".o_as_import_errors tr.o_as_import_error:only-child" },
        { trigger: ".o_as_import_error td:first-child:contains(3)" },
        { content: "two cards registered", trigger: ".o_as_imported_count:contains(2)" },
        { content: "the bad rows can be downloaded", trigger: "a.o_as_bad_rows[download]" },
    ],
});

registry.category("web_tour.tours").add("after_sales_portal_claim", {
    url: "/my/after-sales/cards",
    steps: () => [
        {
            content: "open the card of the repaired unit",
            trigger: "tr:has(td:contains(SN-ALPHA-1)) a.o_as_row_link",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "file a claim",
            trigger: "a.o_as_new_claim",
            run: "click",
            expectUnloadPage: true,
        },
        setValue("input[name=call_time]", localDateTime(2, 9)),
        setValue("input[name=arrival_time]", localDateTime(2, 15)),
        setValue("input[name=completion_time]", localDateTime(2, 17)),
        { trigger: "input[name=onsite]", run: "check" },
        { trigger: "select[name=zone]", run: "select urban" },
        { trigger: "textarea[name=symptom]", run: "edit Tour: no hot water" },
        { trigger: "select[name=cause_category]", run: "select product_defect" },
        { trigger: "textarea[name=solution]", run: "edit Tour: element replaced" },
        { trigger: "select[name=result]", run: "select ok" },
        { trigger: "input[name=technician_name]", run: "edit Tour Technician" },
        { trigger: "select[name=line_0_product_id]", run: "selectByLabel Portal Knob" },
        { trigger: "input[name=line_0_quantity]", run: "edit 1" },
        {
            content: "save the draft",
            trigger: "button.o_as_save_claim",
            run: "click",
            expectUnloadPage: true,
        },
        { trigger: ".o_as_state_draft" },
        {
            content: "take a photo of the fault",
            trigger: ".o_as_photo_form input[name=photos]",
            run() {
                setFile(".o_as_photo_form input[name=photos]", "fault.png", PNG, "image/png");
            },
        },
        { trigger: "select.o_as_photo_category", run: "select fault" },
        {
            trigger: "button.o_as_upload_photos",
            run: "click",
            expectUnloadPage: true,
        },
        { content: "the photo is attached", trigger: ".o_as_photos a.o_as_photo img" },
        {
            content: "the customer signs",
            trigger: ".o_as_signature_customer .o_web_sign_name_and_signature input",
            run: "edit Tour Customer",
        },
        {
            trigger: ".o_as_signature_customer canvas.o_web_sign_signature",
            run: "canvasNotEmpty",
        },
        {
            trigger: ".o_as_signature_customer .o_portal_sign_submit:enabled",
            run: "click",
            expectUnloadPage: true,
        },
        { content: "the signature is saved", trigger: ".o_as_signature_customer img.o_as_signed" },
        {
            content: "submit the claim",
            trigger: "button.o_as_submit_claim",
            run: "click",
            expectUnloadPage: true,
        },
        { content: "submitted", trigger: ".o_as_state_submitted" },
        { trigger: "body:not(:has(button.o_as_submit_claim))" },
    ],
});

registry.category("web_tour.tours").add("after_sales_portal_return", {
    url: "/my/after-sales/returns",
    steps: () => [
        {
            content: "request a return",
            trigger: "a.o_as_new_return",
            run: "click",
            expectUnloadPage: true,
        },
        setValue("input[name=date_defect]", isoDate(1)),
        { trigger: "textarea[name=description]", run: "edit Tour: knobs cracked" },
        { trigger: "select[name=stock_case]", run: "select product_fault" },
        { trigger: "select[name=line_0_product_id]", run: "selectByLabel Portal Knob" },
        { trigger: "input[name=line_0_quantity]", run: "edit 4" },
        { trigger: "input[name=line_0_reason]", run: "edit Cracked on arrival" },
        {
            trigger: "button.o_as_save_return",
            run: "click",
            expectUnloadPage: true,
        },
        { content: "the suggested type is shown", trigger: ".o_as_suggested_type:not(:empty)" },
        { content: "and who pays", trigger: ".o_as_payers tr" },
        {
            content: "submit it for approval",
            trigger: "button.o_as_submit_return",
            run: "click",
            expectUnloadPage: true,
        },
        { content: "submitted", trigger: ".o_as_state_submitted" },
    ],
});

registry.category("web_tour.tours").add("after_sales_portal_parts", {
    url: "/my/after-sales/parts",
    steps: () => [
        {
            content: "request parts",
            trigger: "a.o_as_new_parts",
            run: "click",
            expectUnloadPage: true,
        },
        { trigger: "select[name=request_type]", run: "select stock" },
        { trigger: "select[name=shipping_mode]", run: "select ems" },
        { trigger: "select[name=line_0_product_id]", run: "selectByLabel Portal Knob" },
        { trigger: "input[name=line_0_quantity]", run: "edit 2" },
        {
            content: "save and see the split",
            trigger: "button.o_as_save_parts",
            run: "click",
            expectUnloadPage: true,
        },
        { content: "two knobs on the fund: 20.00", trigger: ".o_as_fund_amount:contains(20.00)" },
        {
            trigger: "button.o_as_submit_parts",
            run: "click",
            expectUnloadPage: true,
        },
        { content: "submitted", trigger: ".o_as_state_submitted" },
    ],
});

registry.category("web_tour.tours").add("after_sales_portal_confirm_notice", {
    url: "/my/after-sales/settlements",
    steps: () => [
        {
            content: "open the notice waiting for confirmation",
            trigger: "tr.o_as_state_notified a.o_as_row_link",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "download the notice PDF",
            trigger: "a.o_as_download_notice",
            async run() {
                const href = document.querySelector("a.o_as_download_notice").href;
                const response = await fetch(href);
                const type = response.headers.get("Content-Type") || "";
                if (response.status !== 200 || !type.includes("pdf")) {
                    throw new Error(`notice download failed: ${response.status} ${type}`);
                }
            },
        },
        {
            content: "confirm the write-off notice",
            trigger: "button.o_as_confirm",
            run: "click",
            expectUnloadPage: true,
        },
        { content: "confirmed", trigger: ".o_portal_after_sales_settlement .o_as_message" },
        { trigger: ".o_portal_after_sales_settlement:not(:has(button.o_as_confirm))" },
    ],
});

registry.category("web_tour.tours").add("after_sales_portal_dispute_notice", {
    url: "/my/after-sales/settlements",
    steps: () => [
        {
            content: "open the notice waiting for confirmation",
            trigger: "tr.o_as_state_notified a.o_as_row_link",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "say what is wrong",
            trigger: ".o_as_dispute_form textarea[name=comment]",
            run: "edit Tour: one claim is missing",
        },
        {
            content: "dispute the notice",
            trigger: "button.o_as_dispute",
            run: "click",
            expectUnloadPage: true,
        },
        { content: "back to the list, the notice gone to the desk", trigger: ".o_portal_navbar" },
        { trigger: "body:not(:has(tr.o_as_state_notified))" },
    ],
});
