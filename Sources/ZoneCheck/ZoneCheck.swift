public import DNSKit
