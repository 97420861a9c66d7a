import Foundation
import GRDB

/// Verifies Stripe's `Stripe-Signature` header: `t=<unix time>,v1=<hex HMAC-SHA256>[,v1=…][,v0=…]`, where the
/// HMAC is keyed with the whole endpoint secret (`whsec_…`) over `"<t>.<raw body>"`. Any `v1` may match (secret
/// rolling); `v0` is ignored. Comparison is constant-time; the timestamp must be within the tolerance (300 s).
public struct StripeSignatureVerifier: Sendable {
    let secret: [UInt8]
    let tolerance: Int64
    let hmac: HMACSHA256

    /// Creates a verifier.
    /// - Parameters:
    ///   - secret: the endpoint secret, used as given (bytes of the full `whsec_…` string).
    ///   - tolerance: maximum |now − t| in seconds.
    ///   - hmac: HMAC-SHA256 from the Crypto module.
    public init(secret: String, tolerance: Int64 = 300, hmac: @escaping HMACSHA256) {
        self.secret = Array(secret.utf8)
        self.tolerance = tolerance
        self.hmac = hmac
    }

    /// Checks a raw body against its header.
    /// - Throws: `bad_signature` (missing/malformed header, no matching `v1`), `stale_signature` (timestamp
    ///   outside the tolerance). Messages never include the secret or the expected signature.
    public func verify(payload: [UInt8], header: String, now: Date) throws {
        var timestamp: Int64?
        var candidates: [[UInt8]] = []
        for part in header.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1)
            guard kv.count == 2 else { continue }
            let key = kv[0].trimmingCharacters(in: .whitespaces), value = kv[1].trimmingCharacters(in: .whitespaces)
            if key == "t" { timestamp = Int64(value) } else if key == "v1" { candidates.append(Array(value.lowercased().utf8)) }
        }
        guard let t = timestamp, !candidates.isEmpty else {
            throw BillingError(.badSignature, "Stripe-Signature header lacks a timestamp or a v1 signature", field: "Stripe-Signature")
        }
        let expected = Array(Self.hex(hmac(secret, Array("\(t).".utf8) + payload)).utf8)
        var matched = false
        for c in candidates where Self.constantTimeEqual(c, expected) { matched = true }
        guard matched else { throw BillingError(.badSignature, "no v1 signature matches the payload", field: "Stripe-Signature") }
        guard abs(now.unixSeconds - t) <= tolerance else {
            throw BillingError(.staleSignature, "signature timestamp is \(now.unixSeconds - t) s away from now (tolerance \(tolerance) s)", field: "Stripe-Signature")
        }
    }

    /// Builds a header for a payload (tests, and the studio's own outbound webhooks with the same scheme).
    public static func header(payload: [UInt8], secret: String, timestamp: Int64, hmac: HMACSHA256) -> String {
        "t=\(timestamp),v1=\(hex(hmac(Array(secret.utf8), Array("\(timestamp).".utf8) + payload)))"
    }

    /// Lower-case hex.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Compares without an early exit, so timing does not reveal how many leading bytes matched.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}

/// What the store did with a verified Stripe event.
public struct WebhookOutcome: Sendable, Equatable {
    /// Stripe event id.
    public let eventID: String
    /// Stripe event type.
    public let type: String
    /// What happened, in words (`"payment recorded on INV-2026-000001"`, `"ignored"`).
    public let action: String
}

struct StripeEventPayload: Decodable {
    struct Body: Decodable { let object: StripeObject }
    struct StripeObject: Decodable {
        let id: String?
        let number: String?
        let amount_paid: Int64?
        let currency: String?
        let status: String?
        let metadata: [String: String]?
    }
    let id: String
    let type: String
    let data: Body
}

extension BillingStore {
    /// Handles a `POST /api/v1/webhooks/stripe` body: verifies the signature with the configured secret,
    /// rejects an event id already processed, then applies it in one transaction with the record of the event id:
    /// `invoice.paid` records a payment, `invoice.payment_failed` starts or continues dunning,
    /// `customer.subscription.updated|deleted|paused|resumed` sets the subscription's status. Other types are
    /// recorded and ignored.
    ///
    /// Invoices are matched by `metadata.studio_invoice` (our number), else the Stripe invoice's `number`;
    /// subscriptions by `metadata.studio_subscription` (our id).
    /// - Throws: `invalid_state` when no secret/HMAC is configured, `bad_signature`, `stale_signature`,
    ///   `replayed_event`, `bad_payload`, `unknown_invoice`, `not_found` (subscription) — nothing is written then.
    public func handleStripeWebhook(payload: [UInt8], signatureHeader: String) async throws -> WebhookOutcome {
        guard let secret = configuration.stripeWebhookSecret, !secret.isEmpty, let hmac = configuration.hmacSHA256 else {
            throw BillingError(.invalidState, "Stripe webhook is not configured (billing.stripe_webhook_secret)")
        }
        let at = now
        try StripeSignatureVerifier(secret: secret, tolerance: configuration.stripeTolerance, hmac: hmac)
            .verify(payload: payload, header: signatureHeader, now: Date(unixSeconds: at))
        let event: StripeEventPayload
        do {
            event = try JSONDecoder().decode(StripeEventPayload.self, from: Data(payload))
        } catch {
            throw BillingError(.badPayload, "webhook body is not a Stripe event (needs id, type, data.object)")
        }
        return try await writer.write { db in
            if try db.int("SELECT 1 FROM billing_webhook_events WHERE event_id = ?", [event.id]) != nil {
                throw BillingError(.replayedEvent, "event \(event.id) was already processed", field: "id")
            }
            let obj = event.data.object
            var action = "ignored"
            switch event.type {
            case "invoice.paid", "invoice.payment_succeeded", "invoice.payment_failed":
                let inv = try self.stripeInvoice(db, obj)
                if event.type == "invoice.payment_failed" {
                    try self.recordPaymentFailureLocked(db, invoiceID: inv.id, reason: "Stripe \(event.id)", at: at)
                    action = "payment failure recorded on \(inv.number ?? "")"
                } else if inv.status == .open {
                    let currency = try Currency(code: obj.currency ?? inv.total.currency.code)
                    let paid = Money(minor: min(obj.amount_paid ?? inv.amountDue.minor, inv.amountDue.minor), currency: currency)
                    guard paid.minor > 0 else { throw BillingError(.badPayload, "invoice.paid without a positive amount_paid", field: "amount_paid") }
                    _ = try self.recordPaymentLocked(db, invoiceID: inv.id, amount: paid, method: "stripe", externalID: "stripe:\(event.id)", at: at)
                    action = "payment of \(paid) recorded on \(inv.number ?? "")"
                } else {
                    action = "invoice \(inv.number ?? "") already \(inv.status.rawValue)"
                }
                if let sid = obj.id, !sid.isEmpty {
                    try db.exec("UPDATE billing_invoices SET stripe_invoice_id = ? WHERE id = ? AND stripe_invoice_id IS NULL", [sid, inv.id])
                }
            case let t where t.hasPrefix("customer.subscription."):
                guard let raw = obj.metadata?["studio_subscription"], let subID = Int64(raw) else {
                    throw BillingError(.badPayload, "subscription event without metadata.studio_subscription", field: "metadata")
                }
                let status: SubscriptionStatus?
                switch t {
                case "customer.subscription.deleted": status = .canceled
                case "customer.subscription.paused": status = .paused
                case "customer.subscription.resumed": status = .active
                default: status = obj.status.flatMap(SubscriptionStatus.init(rawValue:))
                }
                if let status {
                    let sub = try self.applyStatus(db, subscriptionID: subID, status: status, at: at)
                    action = "subscription \(sub.id) is \(sub.status.rawValue)"
                } else {
                    _ = try Self.subscription(db, id: subID)
                }
            default:
                break
            }
            try db.exec("INSERT INTO billing_webhook_events(event_id, type, received_at, outcome) VALUES (?,?,?,?)", [event.id, event.type, at, action])
            return WebhookOutcome(eventID: event.id, type: event.type, action: action)
        }
    }

    func stripeInvoice(_ db: Database, _ obj: StripeEventPayload.StripeObject) throws -> Invoice {
        if let number = obj.metadata?["studio_invoice"] ?? obj.number,
           let id = try db.int("SELECT id FROM billing_invoices WHERE number = ?", [number]) {
            return try Self.invoice(db, id: id)
        }
        if let sid = obj.id, let id = try db.int("SELECT id FROM billing_invoices WHERE stripe_invoice_id = ?", [sid]) {
            return try Self.invoice(db, id: id)
        }
        throw BillingError(.unknownInvoice, "Stripe event refers to an invoice this studio did not issue (\(obj.metadata?["studio_invoice"] ?? obj.number ?? obj.id ?? "no reference"))", field: "data.object")
    }
}
