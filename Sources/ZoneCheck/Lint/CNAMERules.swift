import DNSKit

/// `cname-at-apex`, `multiple-cname`, `cname-and-other-data`, checked as records stream in.
///
/// RFC 1034 §3.6.2: "If a CNAME RR is present at a node, no other data should be present";
/// RFC 2181 §10.1 makes that a rule and allows one CNAME per name. RFC 4035 §2.5 lets the
/// DNSSEC records proving the CNAME (RRSIG, NSEC) sit beside it. The apex always has SOA and
/// NS, so a CNAME there is its own finding rather than "other data" each time.
extension Linter {
    mutating func checkCNAME(_ record: ResourceRecord, owner: UInt32, bit: TypeSet, at location: SourceLocation) {
        let state = index[owner]
        if bit == .cname {
            if owner == OwnerIndex.apex {
                report(
                    .cnameAtApex, location,
                    "\(record.owner) is the zone apex and cannot be a CNAME: the SOA and NS records must be there "
                        + "(RFC 1034 §3.6.2); use A/AAAA records, or an ALIAS/flattening feature of your provider")
            } else if state.cnameCount > 0 {
                report(
                    .multipleCNAME, location,
                    "\(record.owner) already has a CNAME (line \(state.line)); a name can be an alias of only "
                        + "one name (RFC 2181 §10.1): keep one CNAME and delete the others")
            } else {
                let others = state.types.subtracting(TypeSet.cnameCompanions)
                if !others.isEmpty {
                    report(
                        .cnameAndOtherData, location,
                        "\(record.owner) has \(others.names) data (from line \(state.line)) and now a CNAME: a CNAME "
                            + "must be alone at its name (RFC 1034 §3.6.2); delete the CNAME or the other records")
                }
            }
            index[owner].cnameCount &+= 1
        } else if state.types.contains(.cname), owner != OwnerIndex.apex, !TypeSet.cnameCompanions.contains(bit) {
            report(
                .cnameAndOtherData, location,
                "\(record.owner) is a CNAME (line \(state.line)) and cannot also have \(record.type) data: a CNAME "
                    + "must be alone at its name (RFC 1034 §3.6.2); put the \(record.type) record at the "
                    + "CNAME's target, or replace the CNAME with the records it stood for")
        }
    }
}
