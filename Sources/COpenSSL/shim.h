// libssl for the SMTP transport's STARTTLS (module Mail only, always `internal import COpenSSL`).
#ifndef ZONECHECK_COPENSSL_SHIM_H
#define ZONECHECK_COPENSSL_SHIM_H

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

// The next two are macros in OpenSSL's headers, which Swift cannot call.
static inline int zc_ssl_set_server_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

static inline int zc_ssl_ctx_set_min_tls12(SSL_CTX *context) {
    return (int)SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
}

#endif
