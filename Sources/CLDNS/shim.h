#ifndef ZONECHECK_CLDNS_SHIM_H
#define ZONECHECK_CLDNS_SHIM_H
// stdbool.h first: without it every ldns `bool` imports into Swift as Int8 (measured, docs/architecture.md).
#include <stdbool.h>
#include <ldns/ldns.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/crypto.h>
#endif
