import DNSKit

/// One input: a zone file's text, read as `fuzz.example.zone` (origin `fuzz.example.`).
///
/// `$INCLUDE` would open whatever path the input names (a fuzzer finds `/dev/zero` sooner or later),
/// so inputs that mention it are skipped; the include rules have their own unit tests.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzZoneFile(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if text.lowercased().contains("$include") { return -1 }
    let reader = ZoneFileReader(text: text, fileName: "/nonexistent/fuzz.example.zone")
    let (records, result) = reader.readAll()
    // Everything accepted must print again (the linter and the diff do).
    for parsed in records { _ = parsed.record.presentation }
    _ = result.diagnostics.map(\.description)
    return 0
}
