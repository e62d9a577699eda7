import DNSKit

/// The rules that need the whole zone: `occluded`, `missing-glue`, `incomplete-glue`,
/// `ns-target-without-address`, `target-without-address`, `target-is-cname`, and the "no data there" half of `missing-trailing-dot`.
///
/// A zone cut is an NS RRset below the apex (RFC 1034 §4.2.1); everything below it belongs to
/// the child except glue, the addresses of name servers that lie inside the delegation
/// (RFC 9471 makes in-bailiwick glue required). Data a server will never answer with is
/// `occluded`. A DNAME hides everything below its owner, and RFC 6672 §2.3 forbids such data
/// outright: `data-below-dname`, an error.
extension Linter {
    static let none = UInt32.max

    mutating func checkDelegationsAndTargets() {
        // hidden[i]: the nearest proper ancestor of i that is a zone cut or a DNAME owner.
        // Parents come before children in the index, so one forward walk fills it.
        var hidden = [UInt32](repeating: Self.none, count: index.count)
        for i in 1..<max(1, index.count) {
            let parent = index[UInt32(i)].parent
            let parentTypes = index[parent].types
            let parentHides =
                parentTypes.contains(.dname) || (parentTypes.contains(.ns) && parent != OwnerIndex.apex)
            hidden[i] = parentHides ? parent : hidden[Int(parent)]
        }
        checkOccluded(hidden)
        checkReferences(hidden)
    }

    private mutating func checkOccluded(_ hidden: [UInt32]) {
        for i in 1..<max(1, index.count) {
            let owner = index[UInt32(i)]
            guard !owner.types.isEmpty else { continue }
            if hidden[i] != Self.none {
                let cut = hidden[i]
                let byDNAME = index[cut].types.contains(.dname)
                let isGlue = !byDNAME && owner.isNameServer && TypeSet.address.contains(owner.types)
                if isGlue { continue }
                let reason =
                    byDNAME
                    ? "is below the DNAME at \(index.name(cut)), which redirects every name under it (RFC 6672 §2.4)"
                    : "is below the delegation at \(index.name(cut)) and is not the address of one of its name servers"
                report(
                    byDNAME ? .dataBelowDNAME : .occluded, location(file: owner.file, line: owner.line),
                    "\(index.name(UInt32(i))) (\(owner.types.names)) \(reason): servers answer with the \(byDNAME ? "DNAME" : "referral") "
                        + "and never with this data; delete it or move it to the child zone")
            } else if owner.types.contains(.ns) {
                var extra = owner.types.subtracting(TypeSet.delegationData)
                if owner.isNameServer { extra.subtract(TypeSet.address) }
                extra.remove(.cname)  // already `cname-and-other-data`
                guard !extra.isEmpty else { continue }
                report(
                    .occluded, location(file: owner.file, line: owner.line),
                    "\(index.name(UInt32(i))) is a delegation point, so its \(extra.names) data is never served by this zone "
                        + "(only NS, DS and glue are): move it to the child zone or delete it")
            }
        }
    }

    /// Whether a name server named at `target` can be reached by a resolver: outside the zone
    /// (not here), below another cut (the child has its address), or with an address here.
    private func isReachable(_ target: UInt32, _ hidden: [UInt32]) -> Bool {
        let types = index[target].types
        let isCut = types.contains(.ns) && target != OwnerIndex.apex
        return !types.isDisjoint(with: TypeSet.address) || types.contains(.cname) || isCut
            || hidden[Int(target)] != Self.none
    }

    private mutating func checkReferences(_ hidden: [UInt32]) {
        // Delegations with at least one name server a resolver can reach.
        var reachable: Set<UInt32> = []
        for reference in references where reference.isTarget && reference.type == .ns {
            if reference.source != OwnerIndex.apex, index.isAncestor(reference.source, ofOrSelf: reference.target) {
                if !index[reference.target].types.isDisjoint(with: TypeSet.address) {
                    reachable.insert(reference.source)
                }
            } else if isReachable(reference.target, hidden) {
                reachable.insert(reference.source)
            }
        }
        for reference in references {
            // Data under a cut is already `occluded`; what it points at does not matter.
            if hidden[Int(reference.source)] != Self.none { continue }
            let target = index[reference.target]
            let where_ = location(file: reference.file, line: reference.line)
            var targetName: DomainName { index.name(reference.target) }
            // At or below a delegation the name's data lives in the child: no data here is normal.
            let isCut = target.types.contains(.ns) && reference.target != OwnerIndex.apex
            let delegated = isCut || hidden[Int(reference.target)] != Self.none
            if reference.looksExternal && target.types.isEmpty && !delegated {
                report(
                    .missingTrailingDot, where_,
                    trailingDot.message(
                        "\(reference.type) target", became: targetName, meant: trailingDot.stripOrigin(targetName)))
                continue
            }
            guard reference.isTarget else { continue }
            if reference.type == .ns, reference.source != OwnerIndex.apex,
                index.isAncestor(reference.source, ofOrSelf: reference.target)
            {
                if target.types.isDisjoint(with: TypeSet.address) {
                    let cut = index.name(reference.source)
                    let outside = index[reference.source].hasOutsideNameServer
                    if reachable.contains(reference.source) || outside {
                        report(
                            .incompleteGlue, where_,
                            "\(cut) is delegated to \(targetName), which lies inside that delegation and has no "
                                + "address here (glue, RFC 9471): resolvers skip it and use the delegation's other "
                                + "name servers; add an A or AAAA record for \(targetName), or remove this NS record")
                    } else {
                        report(
                            .missingGlue, where_,
                            "\(cut) is delegated to \(targetName), which lies inside that delegation, so resolvers "
                                + "can only find it through an address here (glue, RFC 9471) and there is none, nor "
                                + "any other reachable name server: \(cut) cannot be resolved; add an A or AAAA "
                                + "record for \(targetName)")
                    }
                }
                continue
            }
            // At or below another cut: the address lives in the child zone (or is sibling glue).
            if delegated { continue }
            if target.types.contains(.cname) {
                report(
                    .targetIsCNAME, where_,
                    "\(reference.type) target \(targetName) is a CNAME: \(reference.type) must name a host with "
                        + "addresses, not an alias (RFC 2181 §10.3, RFC 2782); point it at the CNAME's target")
            } else if target.types.isDisjoint(with: TypeSet.address) {
                if reference.type == .ns {
                    report(
                        .nsTargetWithoutAddress, where_,
                        "NS target \(targetName) is in this zone but has no A or AAAA record, so no resolver can "
                            + "reach that name server (BIND refuses to load the zone: \"NS '\(targetName)' has no "
                            + "address records\"): add its address, or point the NS at a server that has one")
                } else {
                    report(
                        .targetWithoutAddress, where_,
                        "\(reference.type) target \(targetName) is in this zone but has no A or AAAA record, so "
                            + "nothing can reach it: add its address, or point the \(reference.type) at a host that "
                            + "has one")
                }
            }
        }
    }
}
