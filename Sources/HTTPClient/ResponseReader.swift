/// Reads one HTTP/1.x response from a connection: status line, headers (1xx responses skipped),
/// and the body framed by Content-Length, chunked encoding, or the connection's close.
///
/// Limits are enforced while reading, so an oversized response is refused without being buffered.
struct ResponseReader {
    private let connection: Connection
    private let maxHeaderBytes: Int
    private let maxBodyBytes: Int
    /// Received bytes; the unread ones are `buffer[position...]`.
    private var buffer: [UInt8] = []
    private var position = 0
    /// Bytes of status lines, headers and trailers read so far (counted against `maxHeaderBytes`).
    private var headerBytes = 0
    private var scratch = [UInt8](repeating: 0, count: 64 << 10)
    private var sawEOF = false

    init(connection: Connection, maxHeaderBytes: Int, maxBodyBytes: Int) {
        self.connection = connection
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
    }

    private var authority: String { connection.endpoint.authority }

    /// Reads the final (non-1xx) response. `isHead` suppresses the body, as do 204 and 304.
    mutating func read(isHead: Bool) throws(HTTPClientError) -> HTTPClientResponse {
        var status: Int
        var headers: [(name: String, value: String)]
        repeat {
            status = try readStatusLine()
            headers = try readHeaderFields(trailers: false)
        } while status >= 100 && status < 200 && status != 101
        if isHead || status == 204 || status == 304 || (status >= 100 && status < 200) {
            return HTTPClientResponse(status: status, headers: headers, body: [])
        }
        let body: [UInt8]
        if let codings = combinedValue("Transfer-Encoding", in: headers) {
            let last = codings.split(separator: ",").last.map { String($0).trimmingASCIISpaces().lowercased() }
            body = last == "chunked" ? try readChunkedBody() : try readUntilClose()
        } else if let length = try contentLength(headers) {
            body = try readExactly(length)
        } else {
            body = try readUntilClose()
        }
        return HTTPClientResponse(status: status, headers: headers, body: body)
    }

    // MARK: Head

    private mutating func readStatusLine() throws(HTTPClientError) -> Int {
        guard let line = try readHeadLine() else {
            throw closed(headerBytes == 0 && buffer.isEmpty
                ? "\(authority) closed the connection without sending a response"
                : "\(authority) closed the connection in the middle of the response headers")
        }
        // HTTP/1.x SP 3DIGIT [SP reason]
        let prefix = Array("HTTP/1.".utf8)
        guard line.count >= 12, Array(line.prefix(7)) == prefix, isDigit(line[7]), line[8] == 0x20,
              isDigit(line[9]), isDigit(line[10]), isDigit(line[11]), line.count == 12 || line[12] == 0x20
        else { throw malformed("the status line is not 'HTTP/1.x NNN reason'") }
        let status = Int(line[9] - 0x30) * 100 + Int(line[10] - 0x30) * 10 + Int(line[11] - 0x30)
        guard status >= 100 else { throw malformed("the status code \(status) is below 100") }
        return status
    }

    private mutating func readHeaderFields(trailers: Bool) throws(HTTPClientError) -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = []
        while true {
            guard let line = try readHeadLine() else {
                throw closed("\(authority) closed the connection in the middle of the response \(trailers ? "trailers" : "headers")")
            }
            if line.isEmpty { return fields }
            if line[0] == 0x20 || line[0] == 0x09 {
                // obs-fold: a continuation of the previous field's value, joined with one space.
                guard let previous = fields.popLast() else { throw malformed("the first header line starts with whitespace") }
                let more = String(decoding: line, as: UTF8.self).trimmingASCIISpaces()
                fields.append((previous.name, previous.value + " " + more))
                continue
            }
            guard let colon = line.firstIndex(of: 0x3A) else { throw malformed("a header line has no ':'") }
            let name = String(decoding: line[..<colon], as: UTF8.self)
            guard isToken(name) else { throw malformed("a header name is not a valid token") }
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingASCIISpaces()
            fields.append((name, value))
        }
    }

    /// One line of the head (CRLF or bare LF removed), counted against the header limit; `nil` at end of stream.
    private mutating func readHeadLine() throws(HTTPClientError) -> [UInt8]? {
        let remaining = maxHeaderBytes - headerBytes
        let overflow = HTTPClientError(
            code: .tooLarge, message: "the response headers from \(authority) exceed \(maxHeaderBytes) bytes", requestSent: false)
        let line = try readLine(limit: remaining) { () throws(HTTPClientError) in throw overflow }
        if let line { headerBytes += line.count + 2 }
        return line
    }

    /// The next line without its terminator. Calls `overflow` when no line ends within `limit` bytes; `nil` at end of stream.
    private mutating func readLine(limit: Int, overflow: () throws(HTTPClientError) -> Never) throws(HTTPClientError) -> [UInt8]? {
        var scanned = 0  // bytes after `position` already searched (an offset: `fill` may move the buffer)
        while true {
            if let lf = buffer[(position + scanned)...].firstIndex(of: 0x0A) {
                var end = lf
                if end > position, buffer[end - 1] == 0x0D { end -= 1 }
                if end - position > limit { try overflow() }
                let line = Array(buffer[position..<end])
                position = lf + 1
                return line
            }
            scanned = buffer.count - position
            if scanned > limit + 1 { try overflow() }
            if try !fill() { return nil }
        }
    }

    /// Consumes the CRLF (or bare LF) that must follow a chunk's data.
    private mutating func readChunkEnd() throws(HTTPClientError) {
        func next(_ reader: inout ResponseReader) throws(HTTPClientError) -> UInt8 {
            if reader.position == reader.buffer.count, try !reader.fill() {
                throw reader.closed("\(reader.authority) closed the connection in the middle of a chunked body")
            }
            defer { reader.position += 1 }
            return reader.buffer[reader.position]
        }
        var byte = try next(&self)
        if byte == 0x0D { byte = try next(&self) }
        guard byte == 0x0A else { throw malformed("a chunk is longer than its declared size") }
    }

    // MARK: Body

    private func contentLength(_ headers: [(name: String, value: String)]) throws(HTTPClientError) -> Int? {
        guard let combined = combinedValue("Content-Length", in: headers) else { return nil }
        var length: Int?
        for piece in combined.split(separator: ",", omittingEmptySubsequences: false) {
            let text = String(piece).trimmingASCIISpaces()
            guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy(isDigit), let value = Int(text) else {
                throw malformed("Content-Length is not a number")
            }
            if let length, length != value { throw malformed("the response has conflicting Content-Length values") }
            length = value
        }
        return length
    }

    private mutating func readExactly(_ length: Int) throws(HTTPClientError) -> [UInt8] {
        if length > maxBodyBytes { throw tooLarge() }
        var body: [UInt8] = []
        body.reserveCapacity(length)
        while body.count < length {
            if position == buffer.count, try !fill() {
                throw closed("\(authority) closed the connection after \(body.count) of \(length) body bytes")
            }
            let take = min(length - body.count, buffer.count - position)
            body.append(contentsOf: buffer[position..<(position + take)])
            position += take
        }
        return body
    }

    private mutating func readUntilClose() throws(HTTPClientError) -> [UInt8] {
        var body: [UInt8] = []
        while true {
            if position < buffer.count {
                if body.count + (buffer.count - position) > maxBodyBytes { throw tooLarge() }
                body.append(contentsOf: buffer[position...])
                position = buffer.count
            }
            if try !fill() { return body }
        }
    }

    private mutating func readChunkedBody() throws(HTTPClientError) -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let overflow = malformed("a chunk size line is too long")
            guard let line = try readLine(limit: 4096, overflow: { () throws(HTTPClientError) in throw overflow })
            else { throw closed("\(authority) closed the connection in the middle of a chunked body") }
            let sizeEnd = line.firstIndex(of: 0x3B) ?? line.endIndex  // ';' starts chunk extensions
            let digits = String(decoding: line[..<sizeEnd], as: UTF8.self).trimmingASCIISpaces()
            guard !digits.isEmpty, digits.utf8.count <= 15, let size = Int(digits, radix: 16), size >= 0,
                  digits.utf8.allSatisfy(isHexDigit)
            else { throw malformed("a chunk size is not a hexadecimal number") }
            if size == 0 {
                _ = try readHeaderFields(trailers: true)
                return body
            }
            if body.count + size > maxBodyBytes { throw tooLarge() }
            var left = size
            while left > 0 {
                if position == buffer.count, try !fill() {
                    throw closed("\(authority) closed the connection in the middle of a chunk")
                }
                let take = min(left, buffer.count - position)
                body.append(contentsOf: buffer[position..<(position + take)])
                position += take
                left -= take
            }
            try readChunkEnd()
        }
    }

    // MARK: Input

    /// Reads more bytes into the buffer; `false` once the peer has closed the connection.
    private mutating func fill() throws(HTTPClientError) -> Bool {
        if sawEOF { return false }
        if position == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            position = 0
        } else if position >= 64 << 10 {
            buffer.removeSubrange(0..<position)
            position = 0
        }
        let connection = self.connection
        let n = try scratch.withUnsafeMutableBytes { raw in
            Result { () throws(HTTPClientError) -> Int in try connection.read(into: raw) }
        }.get()
        if n == 0 {
            sawEOF = true
            return false
        }
        buffer.append(contentsOf: scratch[0..<n])
        return true
    }

    private func combinedValue(_ name: String, in headers: [(name: String, value: String)]) -> String? {
        let values = headers.filter { asciiCaseInsensitiveEqual($0.name, name) }.map(\.value)
        return values.isEmpty ? nil : values.joined(separator: ",")
    }

    private func malformed(_ why: String) -> HTTPClientError {
        HTTPClientError(code: .malformedResponse, message: "malformed response from \(authority): \(why)", requestSent: false)
    }

    private func closed(_ why: String) -> HTTPClientError {
        HTTPClientError(code: .closed, message: why, requestSent: false)
    }

    private func tooLarge() -> HTTPClientError {
        HTTPClientError(code: .tooLarge, message: "the response body from \(authority) exceeds the limit of \(maxBodyBytes) bytes", requestSent: false)
    }
}

@inline(__always) private func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
@inline(__always) private func isHexDigit(_ b: UInt8) -> Bool {
    isDigit(b) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66)
}
