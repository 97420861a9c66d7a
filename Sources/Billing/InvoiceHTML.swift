import Foundation

extension BillingStore {
    /// The invoice as a self-contained printable HTML page (inline screen and print stylesheet, no external
    /// resources): seller from configuration, customer, number and dates, lines, tax with its legal mention
    /// (reverse charge, exemption), totals, payments and credit notes. Drafts are marked DRAFT; voided invoices VOID.
    public func invoiceHTML(invoiceID: Int64) async throws -> String {
        let inv = try await invoice(id: invoiceID)
        let customer = try await customer(id: inv.customerID)
        let lines = try await lines(invoiceID: invoiceID)
        let notes = try await creditNotes(invoiceID: invoiceID)
        let seller = configuration.seller
        func e(_ s: String) -> String {
            var out = ""
            for ch in s {
                switch ch {
                case "&": out += "&amp;"
                case "<": out += "&lt;"
                case ">": out += "&gt;"
                case "\"": out += "&quot;"
                case "'": out += "&#39;"
                default: out.append(ch)
                }
            }
            return out
        }
        func d(_ date: Date?) -> String { date.map(BillingCalendar.dayKey) ?? "—" }
        let title = inv.number ?? "Draft invoice"
        let stamp = inv.status == .draft ? "DRAFT" : inv.status == .void ? "VOID" : inv.status == .paid ? "PAID" : ""
        var rows = ""
        for l in lines {
            let qty = l.kind == .usage ? "\(l.quantity) × \(e(l.unitAmount.description))" : "\(l.quantity)"
            rows += "<tr><td>\(e(l.description))</td><td class=\"num\">\(qty)</td><td class=\"num\">\(e(l.net.decimalString))</td></tr>\n"
        }
        var credits = ""
        for n in notes {
            credits += "<p class=\"credit\">Credit note \(e(n.number)) of \(e(n.createdAt.formattedDay)): \(e(n.amount.description)) — \(e(n.reason))</p>\n"
        }
        return """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>\(e(title))</title>
        <style>
        body { font: 14px/1.45 system-ui, sans-serif; color: #111; max-width: 820px; margin: 2rem auto; padding: 0 1rem; }
        header { display: flex; justify-content: space-between; gap: 2rem; }
        h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
        table { width: 100%; border-collapse: collapse; margin: 1.5rem 0; }
        th, td { text-align: left; padding: .4rem .3rem; border-bottom: 1px solid #ddd; }
        .num { text-align: right; white-space: nowrap; }
        .totals td { border: 0; } .totals tr:last-child td { font-weight: 700; border-top: 2px solid #111; }
        .stamp { font-size: 1.2rem; font-weight: 700; color: #b00; letter-spacing: .1em; }
        .note { font-size: .9rem; color: #333; }
        @media print { body { margin: 0; max-width: none; font-size: 11pt; } a { color: inherit; text-decoration: none; } .noprint { display: none; } @page { margin: 18mm; } }
        </style></head>
        <body>
        <header>
          <div><h1>Invoice \(e(inv.number ?? ""))</h1><span class="stamp">\(stamp)</span>
            <p>Issued \(d(inv.finalizedAt)) · Due \(d(inv.dueAt))\(inv.periodStart != nil ? " · Period \(d(inv.periodStart)) – \(d(inv.periodEnd))" : "")</p></div>
          <div><strong>\(e(seller.name))</strong><br>\(seller.address.map(e).joined(separator: "<br>"))<br>\(e(seller.country))\(seller.vatID.map { "<br>VAT \(e($0))" } ?? "")\(seller.email.isEmpty ? "" : "<br>\(e(seller.email))")</div>
        </header>
        <section><h2>Bill to</h2><p><strong>\(e(customer.name))</strong><br>\(e(customer.email))<br>\(e(customer.country))\(customer.vatID.map { "<br>VAT \(e($0))" } ?? "")</p></section>
        <table><thead><tr><th>Description</th><th class="num">Quantity</th><th class="num">Amount (\(e(inv.total.currency.code)))</th></tr></thead>
        <tbody>
        \(rows)</tbody></table>
        <table class="totals">
          <tr><td>Subtotal</td><td class="num">\(e(inv.subtotal.decimalString))</td></tr>
          <tr><td>\(e(inv.taxNote))</td><td class="num">\(e(inv.tax.decimalString))</td></tr>
          <tr><td>Total \(e(inv.total.currency.code))</td><td class="num">\(e(inv.total.decimalString))</td></tr>
          <tr><td>Paid</td><td class="num">\(e(inv.amountPaid.decimalString))</td></tr>
          <tr><td>Amount due</td><td class="num">\(e(inv.amountDue.decimalString))</td></tr>
        </table>
        \(inv.reverseCharge ? "<p class=\"note\">\(e(TaxTable.reverseChargeNote))</p>" : "")
        \(credits)<p class="noprint"><button onclick="window.print()">Print</button></p>
        </body></html>
        """
    }
}

extension Date {
    var formattedDay: String { BillingCalendar.dayKey(self) }
}
