import Foundation
import GRDB

/// Ledger account names. Revenue has one account per stream; payables carry a party (`payee:7`, `affiliate:3`).
public enum Account {
    /// Money received and paid out.
    public static let cash = "cash"
    /// What customers owe on finalised invoices.
    public static let receivable = "accounts_receivable"
    /// VAT/sales tax collected for the tax authority.
    public static let taxPayable = "tax_payable"
    /// What is owed to marketplace sellers and sponsored creators (their share of the gross).
    public static let sellersPayable = "payable:sellers"
    /// Commissions owed to affiliates.
    public static let affiliatesPayable = "payable:affiliates"
    /// The cost of affiliate commissions.
    public static let affiliateExpense = "expense:affiliate_commissions"
    /// Revenue of a stream.
    public static func revenue(_ stream: String) -> String { "revenue:\(stream)" }
    /// Revenue of a stream.
    public static func revenue(_ stream: RevenueStream) -> String { "revenue:\(stream.rawValue)" }
}

struct Posting {
    var account: String
    var party: String? = nil
    var invoiceID: Int64? = nil
    var debit: Int64 = 0
    var credit: Int64 = 0
}

/// The result of ``BillingStore/check()``: whether the books balance and agree with the documents.
public struct LedgerCheck: Sendable, Equatable {
    /// True when no problem was found.
    public var ok: Bool { problems.isEmpty }
    /// Each discrepancy in words (empty when all is well).
    public var problems: [String]
    /// Ledger transactions examined.
    public var transactions: Int
    /// Total debits per currency (equal to credits when ok).
    public var debits: [String: Int64]
    /// Total credits per currency.
    public var credits: [String: Int64]
    /// Finalised invoices examined.
    public var invoices: Int
}

/// One row of a trial balance.
public struct AccountBalance: Sendable, Equatable {
    /// Account name.
    public let account: String
    /// Party for payables, else nil.
    public let party: String?
    /// Currency.
    public let currency: Currency
    /// Debits − credits.
    public let balance: Int64
}

extension BillingStore {
    /// Writes one balanced ledger transaction; refuses (and so rolls back the caller) if debits ≠ credits.
    func postTransaction(_ db: Database, at: Int64, kind: String, refType: String, refID: Int64, memo: String,
                         currency: Currency, demo: Bool, postings: [Posting]) throws {
        let lines = postings.filter { $0.debit != 0 || $0.credit != 0 }
        let debit = lines.reduce(Int64(0)) { $0 + $1.debit }, credit = lines.reduce(Int64(0)) { $0 + $1.credit }
        guard debit == credit, lines.allSatisfy({ $0.debit >= 0 && $0.credit >= 0 }) else {
            throw BillingError(.invalidState, "refusing an unbalanced ledger transaction (\(kind) \(refID): debit \(debit), credit \(credit))")
        }
        if lines.isEmpty { return }
        try db.exec("INSERT INTO billing_ledger_transactions(at, kind, ref_type, ref_id, memo, demo) VALUES (?,?,?,?,?,?)",
                    [at, kind, refType, refID, memo, demo])
        let txn = db.lastInsertedRowID
        // One statement for all the entries of the transaction.
        let sql = "INSERT INTO billing_ledger_entries(transaction_id, account, party, invoice_id, debit_minor, credit_minor, currency) VALUES "
            + Array(repeating: "(?,?,?,?,?,?,?)", count: lines.count).joined(separator: ",")
        var values: [(any DatabaseValueConvertible)?] = []
        values.reserveCapacity(lines.count * 7)
        for p in lines {
            values.append(txn); values.append(p.account); values.append(p.party); values.append(p.invoiceID)
            values.append(p.debit); values.append(p.credit); values.append(currency.code)
        }
        try db.exec(sql, StatementArguments(values))
    }

    /// Proves the books: debits equal credits in every transaction and overall (per currency); every finalised
    /// invoice's receivable in the ledger equals total − credited − paid + refunded; cash equals payments −
    /// refunds + commission sales − payouts; tax payable equals invoice tax − credited tax; revenue per stream
    /// equals invoice-line net amounts less credit notes plus commissions; invoice numbers have no gaps or
    /// duplicates per series and year; each invoice's total is the sum of its lines plus tax.
    public func check() async throws -> LedgerCheck {
        try await writer.read { db in try Self.check(db) }
    }

    static func check(_ db: Database) throws -> LedgerCheck {
        var problems: [String] = []
        func note(_ s: String) { if problems.count < 200 { problems.append(s) } }
        // 1. Every transaction balances, per currency.
        for r in try db.rows("""
            SELECT transaction_id, currency, SUM(debit_minor) d, SUM(credit_minor) c FROM billing_ledger_entries
            GROUP BY transaction_id, currency HAVING d != c LIMIT 50
            """) {
            note("ledger transaction \(r["transaction_id"] as Int64) (\(r["currency"] as String)) is unbalanced: debit \(r["d"] as Int64), credit \(r["c"] as Int64)")
        }
        var debits: [String: Int64] = [:], credits: [String: Int64] = [:]
        for r in try db.rows("SELECT currency, SUM(debit_minor) d, SUM(credit_minor) c FROM billing_ledger_entries GROUP BY currency") {
            debits[r["currency"]] = r["d"]
            credits[r["currency"]] = r["c"]
            if r["d"] as Int64 != r["c"] as Int64 {
                note("ledger in \(r["currency"] as String) is unbalanced overall: debits \(r["d"] as Int64), credits \(r["c"] as Int64)")
            }
        }
        let transactions = try db.int("SELECT COUNT(*) FROM billing_ledger_transactions") ?? 0
        if let orphan = try db.int("SELECT COUNT(*) FROM billing_ledger_transactions t WHERE NOT EXISTS (SELECT 1 FROM billing_ledger_entries e WHERE e.transaction_id = t.id)"), orphan > 0 {
            note("\(orphan) ledger transactions have no entries")
        }
        // 2. Receivable per invoice agrees with the invoice's own figures.
        for r in try db.rows("""
            SELECT i.id, i.number, i.total_minor - i.credited_minor - i.paid_minor + i.refunded_minor AS due,
                   COALESCE((SELECT SUM(debit_minor) - SUM(credit_minor) FROM billing_ledger_entries e
                             WHERE e.invoice_id = i.id AND e.account = 'accounts_receivable'), 0) AS ledger
            FROM billing_invoices i WHERE i.status != 'draft' AND due != ledger LIMIT 50
            """) {
            note("invoice \(r["number"] as String? ?? "?"): receivable in ledger \(r["ledger"] as Int64) ≠ amount due \(r["due"] as Int64)")
        }
        if let n = try db.int("SELECT COUNT(*) FROM billing_ledger_entries e JOIN billing_invoices i ON i.id = e.invoice_id WHERE i.status = 'draft'"), n > 0 {
            note("\(n) ledger entries point at draft invoices")
        }
        for r in try db.rows("""
            SELECT i.number, i.subtotal_minor, i.tax_minor, i.total_minor,
                   (SELECT COALESCE(SUM(net_minor),0) FROM billing_invoice_lines l WHERE l.invoice_id = i.id) AS net,
                   (SELECT COALESCE(SUM(tax_minor),0) FROM billing_invoice_lines l WHERE l.invoice_id = i.id) AS tax
            FROM billing_invoices i WHERE i.subtotal_minor != net OR i.tax_minor != tax OR i.total_minor != i.subtotal_minor + i.tax_minor LIMIT 50
            """) {
            note("invoice \(r["number"] as String? ?? "draft"): totals do not match its lines")
        }
        for r in try db.rows("SELECT number FROM billing_invoices WHERE paid_minor - refunded_minor < 0 OR paid_minor > total_minor - credited_minor + refunded_minor LIMIT 50") {
            note("invoice \(r["number"] as String? ?? "?"): paid amount out of range")
        }
        // 3. Account totals agree with the documents, per currency.
        func ledger(_ account: String, _ currency: String) throws -> Int64 {
            try db.int("SELECT COALESCE(SUM(debit_minor) - SUM(credit_minor), 0) FROM billing_ledger_entries WHERE account = ? AND currency = ?", [account, currency]) ?? 0
        }
        let currencies = try db.rows("""
            SELECT currency FROM billing_ledger_entries UNION SELECT currency FROM billing_invoices WHERE status != 'draft'
            UNION SELECT currency FROM billing_commission_sales UNION SELECT currency FROM billing_payouts
            """).map { $0["currency"] as String }
        for c in currencies {
            let ar = try db.int("SELECT COALESCE(SUM(total_minor - credited_minor - paid_minor + refunded_minor), 0) FROM billing_invoices WHERE status != 'draft' AND currency = ?", [c]) ?? 0
            if try ledger(Account.receivable, c) != ar { note("accounts receivable \(c): ledger \(try ledger(Account.receivable, c)) ≠ invoices \(ar)") }
            let paid = try db.int("SELECT COALESCE(SUM(CASE kind WHEN 'payment' THEN amount_minor ELSE -amount_minor END), 0) FROM billing_payments WHERE currency = ?", [c]) ?? 0
            let sales = try db.int("SELECT COALESCE(SUM(gross_minor), 0) FROM billing_commission_sales WHERE currency = ?", [c]) ?? 0
            let payouts = try db.int("SELECT COALESCE(SUM(amount_minor), 0) FROM billing_payouts WHERE currency = ?", [c]) ?? 0
            if try ledger(Account.cash, c) != paid + sales - payouts {
                note("cash \(c): ledger \(try ledger(Account.cash, c)) ≠ payments − refunds + sales − payouts \(paid + sales - payouts)")
            }
            let tax = try db.int("SELECT COALESCE(SUM(tax_minor), 0) FROM billing_invoices WHERE status != 'draft' AND currency = ?", [c]) ?? 0
            let cnTax = try db.int("SELECT COALESCE(SUM(tax_minor), 0) FROM billing_credit_notes WHERE currency = ?", [c]) ?? 0
            if try -ledger(Account.taxPayable, c) != tax - cnTax { note("tax payable \(c): ledger \(try -ledger(Account.taxPayable, c)) ≠ invoiced tax − credited tax \(tax - cnTax)") }
            let invoiced = try db.int("SELECT COALESCE(SUM(subtotal_minor), 0) FROM billing_invoices WHERE status != 'draft' AND currency = ?", [c]) ?? 0
            let cnNet = try db.int("SELECT COALESCE(SUM(amount_minor - tax_minor), 0) FROM billing_credit_notes WHERE currency = ?", [c]) ?? 0
            let commissions = try db.int("SELECT COALESCE(SUM(commission_minor), 0) FROM billing_commission_sales WHERE currency = ?", [c]) ?? 0
            let revenue = try -(db.int("SELECT COALESCE(SUM(debit_minor) - SUM(credit_minor), 0) FROM billing_ledger_entries WHERE account LIKE 'revenue:%' AND currency = ?", [c]) ?? 0)
            if revenue != invoiced - cnNet + commissions {
                note("revenue \(c): ledger \(revenue) ≠ invoiced net − credited net + commissions \(invoiced - cnNet + commissions)")
            }
            let rollup = try db.int("SELECT COALESCE(SUM(net_minor), 0) FROM billing_revenue_monthly WHERE currency = ?", [c]) ?? 0
            if rollup != revenue { note("monthly revenue rollup \(c): \(rollup) ≠ ledger revenue \(revenue)") }
            let owedSellers = try -ledger(Account.sellersPayable, c)
            if owedSellers < 0 { note("sellers payable \(c) is negative (\(owedSellers)): paid out more than owed") }
        }
        // 4. Numbers: no gaps, no duplicates, counter agrees.
        for r in try db.rows("""
            SELECT series, year, COUNT(*) n, COUNT(DISTINCT seq) d, MIN(seq) lo, MAX(seq) hi,
                   (SELECT last FROM billing_invoice_counters c WHERE c.series = i.series AND c.year = i.year) AS counter
            FROM billing_invoices i WHERE seq IS NOT NULL GROUP BY series, year
            """) {
            let n: Int64 = r["n"], d: Int64 = r["d"], lo: Int64 = r["lo"], hi: Int64 = r["hi"]
            let counter: Int64? = r["counter"]
            if n != d || lo != 1 || hi != n || counter != hi {
                note("invoice numbers \(r["series"] as String)-\(r["year"] as Int64): \(n) invoices, \(d) distinct, range \(lo)…\(hi), counter \(counter.map(String.init) ?? "none") — gap or duplicate")
            }
        }
        let invoices = Int(try db.int("SELECT COUNT(*) FROM billing_invoices WHERE status != 'draft'") ?? 0)
        return LedgerCheck(problems: problems, transactions: Int(transactions), debits: debits, credits: credits, invoices: invoices)
    }

    /// Trial balance: every account's balance (debits − credits) per party and currency.
    public func trialBalance() async throws -> [AccountBalance] {
        try await writer.read { db in
            try db.rows("""
                SELECT account, party, currency, SUM(debit_minor) - SUM(credit_minor) AS balance FROM billing_ledger_entries
                GROUP BY account, party, currency ORDER BY account, party, currency
                """).map { r in
                AccountBalance(account: r["account"], party: r["party"], currency: try Currency(code: r["currency"]), balance: r["balance"])
            }
        }
    }
}
